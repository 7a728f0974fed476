// Person: someone who can be on call, with a time zone and contact methods.
import { z } from 'zod';
import type { KindDefinition } from '../kind.js';
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

const contact = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('email'), address: z.email() }),
  z.strictObject({ type: z.literal('webhook'), url }),
  z.strictObject({ type: z.literal('slack'), url }),
  z.strictObject({ type: z.literal('sms'), number: z.string().regex(/^\+[1-9][0-9]{6,14}$/, 'an E.164 number like +33612345678') }),
]);

export const personSpec = z.strictObject({
  displayName: z.string().min(1).max(200),
  timezone: timeZone,
  site: z.string().max(100).optional(),
  contacts: z.array(contact).default([]),
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
