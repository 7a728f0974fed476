// Person: someone who can be on call, with a time zone and contact methods.
import { z } from 'zod';
import type { KindDefinition } from '../kind.js';
import { durationError, parseDuration } from '../../domain/time/duration.js';
import { url } from '../metadata.js';

export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

export const timeZone = z.string().refine(isTimeZone, { message: 'an IANA time zone such as Europe/Paris or UTC' });

/** Lets a notification rule pick one of several contacts of one type. */
const contactName = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'a lower-case name of letters, digits and dashes').optional();

/**
 * Where a webhook's signing secret is: an environment variable or a file, read by the server when it sends. The
 * secret itself is never written in the catalog (which is code in a repository) nor shown by the API.
 */
export const secretSource = z.union([
  z.strictObject({ env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/, 'an environment variable name') }),
  z.strictObject({ file: z.string().min(1).max(1024) }),
]);
export type SecretSource = z.infer<typeof secretSource>;

const contact = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('email'), name: contactName, address: z.email() }),
  z.strictObject({ type: z.literal('webhook'), name: contactName, url, secret: secretSource.optional() }),
  z.strictObject({ type: z.literal('slack'), name: contactName, url }),
  z.strictObject({ type: z.literal('sms'), name: contactName, number: z.string().regex(/^\+[1-9][0-9]{6,14}$/, 'an E.164 number like +33612345678') }),
]);
export type Contact = z.infer<typeof contact>;

/** `0m` (or `0`) is "at once"; otherwise a pave duration such as 5m. */
const ruleDelay = z.string().superRefine((text, ctx) => {
  if (text.trim() === '0' || text.trim() === '0m') return;
  const problem = durationError(text);
  if (problem) ctx.addIssue({ code: 'custom', message: `after ${problem}` });
});

/** When a page reaches this person: notify `contact` (a contact's name, or a type) `after` that long if not acknowledged. */
const notificationRule = z.strictObject({
  contact: z.string().min(1).max(63),
  after: ruleDelay.default('0m'),
});

export function ruleDelayMinutes(after: string): number {
  return after.trim() === '0' || after.trim() === '0m' ? 0 : parseDuration(after);
}

export const personSpec = z
  .strictObject({
    displayName: z.string().min(1).max(200),
    timezone: timeZone,
    site: z.string().max(100).optional(),
    contacts: z.array(contact).default([]),
    /** Which contacts a page notifies, and when; absent: every contact at once. */
    notificationRules: z.array(notificationRule).default([]),
  })
  .superRefine((spec, ctx) => {
    const names = new Set<string>();
    spec.contacts.forEach((c, i) => {
      if (c.name === undefined) return;
      if (names.has(c.name)) ctx.addIssue({ code: 'custom', path: ['contacts', i, 'name'], message: `${c.name} names two contacts` });
      names.add(c.name);
    });
    spec.notificationRules.forEach((r, i) => {
      if (!names.has(r.contact) && !spec.contacts.some((c) => c.type === r.contact)) {
        ctx.addIssue({ code: 'custom', path: ['notificationRules', i, 'contact'], message: `no contact is named or of type "${r.contact}"` });
      } else if (r.contact === 'sms' || spec.contacts.find((c) => c.name === r.contact)?.type === 'sms') {
        ctx.addIssue({ code: 'custom', path: ['notificationRules', i, 'contact'], message: 'pave cannot send SMS yet: use email, webhook or slack' });
      }
    });
  });
export type PersonSpec = z.infer<typeof personSpec>;

export const person: KindDefinition<PersonSpec> = {
  kind: 'Person',
  plural: 'people',
  aliases: ['person', 'persons'],
  description: 'A person who can be on call: time zone, site and contact methods.',
  specSchema: personSpec,
  applyOrder: 10,
  references: () => [],
  // A person may be edited by the members of any team they belong to.
  owners: (obj, catalog) =>
    catalog
      .list('Team')
      .filter((t) => ((t.spec as { members?: string[] }).members ?? []).includes(obj.metadata.name))
      .map((t) => t.metadata.name)
      .sort(),
  columns: (obj) => ({
    name: obj.metadata.name,
    displayName: obj.spec.displayName,
    timezone: obj.spec.timezone,
    contacts: obj.spec.contacts.map((c) => c.type).join(','),
  }),
  filters: { timezone: (obj, v) => obj.spec.timezone === v },
};
