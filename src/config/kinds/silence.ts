// Silence: a maintenance window for alerts. Alerts it matches (label matchers, optionally only those routed to its
// services) are stored and listed as silenced while it is in force, but open no page and join none. One-off (start,
// end or duration) or recurring (start, duration, RRULE, time zone), with author and reason, as a Correction is.
import { z } from 'zod';
import type { CatalogView, ConfigObject } from '../../domain/objects.js';
import type { Silence } from '../../domain/alerting/silences.js';
import { checkCorrection } from '../../domain/slo/corrections.js';
import { parseDuration } from '../../domain/time/duration.js';
import type { CrossCheckIssue, KindDefinition, ObjectReference } from '../kind.js';
import { objectName } from '../metadata.js';
import { timeZone } from './person.js';
import type { ServiceSpec } from './service.js';
import { durationString, labelMatchers } from './slo.js';

export const silenceSpec = z
  .strictObject({
    /** Label matchers, all of which must match: `value`, `!value`, `a|b`, `5xx`, `~regex`, `!~regex`. */
    matchers: labelMatchers.optional(),
    /** Only alerts routed to these services. */
    services: z.array(objectName).min(1).max(100).optional(),
    start: z.iso.datetime({ offset: true }),
    end: z.iso.datetime({ offset: true }).optional(),
    duration: durationString.optional(),
    /** RFC 5545 recurrence rule, e.g. FREQ=WEEKLY;BYDAY=SU. Each occurrence lasts `duration`. */
    rrule: z.string().regex(/^(RRULE:)?FREQ=/, 'an RFC 5545 rule starting with FREQ=, e.g. FREQ=WEEKLY;BYDAY=SU').optional(),
    /** Zone of a recurrence: a weekly 02:00 window stays at 02:00 across DST. */
    timezone: timeZone.default('UTC'),
    reason: z.string().min(1).max(2000),
    /** Who asked for it (a Person). */
    author: objectName,
  })
  .superRefine((s, ctx) => {
    if (Object.keys(s.matchers ?? {}).length === 0 && !s.services) {
      ctx.addIssue({ code: 'custom', path: ['matchers'], message: 'give matchers, services or both: a silence of every alert is not allowed' });
    }
    if (s.rrule && !s.duration) ctx.addIssue({ code: 'custom', path: ['duration'], message: 'a recurring silence needs the duration of each occurrence' });
    if (s.rrule && s.end) ctx.addIssue({ code: 'custom', path: ['end'], message: 'a recurring silence takes duration for each occurrence (and UNTIL or COUNT in the rule to stop it), not end' });
    if (!s.rrule && (s.end === undefined) === (s.duration === undefined)) ctx.addIssue({ code: 'custom', path: ['end'], message: 'give exactly one of end or duration' });
    if (s.end && Date.parse(s.end) <= Date.parse(s.start)) ctx.addIssue({ code: 'custom', path: ['end'], message: 'end must be after start' });
  });
export type SilenceSpec = z.infer<typeof silenceSpec>;

/** The pure silence the alert → page step applies. */
export function toSilence(obj: ConfigObject<SilenceSpec>): Silence {
  const s = obj.spec;
  const start = Date.parse(s.start);
  const base = { id: obj.metadata.name, reason: s.reason, author: s.author };
  const window = s.rrule
    ? { ...base, start, durationMinutes: parseDuration(s.duration!), rrule: s.rrule, timezone: s.timezone }
    : { ...base, start, end: s.end ? Date.parse(s.end) : start + parseDuration(s.duration!) * 60_000 };
  return { name: obj.metadata.name, matchers: s.matchers ?? {}, services: s.services ?? [], window };
}

/** The team that may change a silence: the one owning every service it is scoped to; none means admins only. */
export function silenceOwner(spec: Pick<SilenceSpec, 'services'>, catalog: CatalogView): string | undefined {
  if (!spec.services) return undefined;
  const owners = new Set(spec.services.map((s) => (catalog.get('Service', s) as ConfigObject<ServiceSpec> | undefined)?.spec.owner));
  return owners.size === 1 && !owners.has(undefined) ? [...owners][0] : undefined;
}

export const silence: KindDefinition<SilenceSpec> = {
  kind: 'Silence',
  plural: 'silences',
  aliases: ['silence'],
  description: 'A maintenance window for alerts: label matchers, optionally scoped to services, one-off or recurring (RRULE); matched alerts are recorded, not paged.',
  specSchema: silenceSpec,
  applyOrder: 60,
  references: (spec) => {
    const refs: ObjectReference[] = [{ kind: 'Person', name: spec.author, path: ['spec', 'author'] }];
    spec.services?.forEach((s, i) => refs.push({ kind: 'Service', name: s, path: ['spec', 'services', i] }));
    return refs;
  },
  owners: (obj, catalog) => {
    const owner = silenceOwner(obj.spec, catalog);
    return owner ? [owner] : [];
  },
  crossCheck(obj) {
    const issues: CrossCheckIssue[] = checkCorrection(toSilence(obj).window).map((message) => ({
      path: ['spec', message.startsWith('rrule') ? 'rrule' : message.startsWith('timezone') ? 'timezone' : 'start'],
      message,
      severity: 'error' as const,
    }));
    const services = obj.spec.services ?? [];
    const dup = services.find((s, i) => services.indexOf(s) !== i);
    if (dup) issues.push({ path: ['spec', 'services'], severity: 'error', message: `${dup} is listed twice` });
    return issues;
  },
  columns: (obj) => ({
    name: obj.metadata.name,
    matchers: Object.entries(obj.spec.matchers ?? {}).map(([k, v]) => `${k}=${v}`).join(','),
    services: (obj.spec.services ?? []).join(','),
    start: obj.spec.start,
    until: obj.spec.end ?? obj.spec.duration ?? '',
    recurs: obj.spec.rrule ?? '',
    author: obj.spec.author,
    reason: obj.spec.reason,
  }),
  filters: {
    service: (obj, v) => obj.spec.services?.includes(v) ?? false,
  },
};
