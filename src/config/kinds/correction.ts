// Correction: time excluded from SLO budgets (planned maintenance, a known bad data source), one-off or recurring.
import { z } from 'zod';
import type { ConfigObject } from '../../domain/objects.js';
import type { KindDefinition, ObjectReference } from '../kind.js';
import { objectName } from '../metadata.js';
import { timeZone } from './person.js';
import { checkCorrection, type Correction } from '../../domain/slo/corrections.js';
import { parseDuration } from '../../domain/time/duration.js';
import { durationString, type SloSpec } from './slo.js';

/** The pure correction the SLO math excludes. */
export function toCorrection(obj: ConfigObject<CorrectionSpec>): Correction {
  const c = obj.spec;
  const start = Date.parse(c.start);
  const base = { id: obj.metadata.name, reason: c.reason, author: c.author };
  if (c.rrule) return { ...base, start, durationMinutes: parseDuration(c.duration!), rrule: c.rrule, timezone: c.timezone };
  return { ...base, start, end: c.end ? Date.parse(c.end) : start + parseDuration(c.duration!) * 60_000 };
}

/** Does this correction apply to the SLO `slo` of service `service`? */
export function correctionApplies(c: CorrectionSpec, slo: string, service: string): boolean {
  return c.service === service || (c.slos?.includes(slo) ?? false);
}

export const correctionSpec = z
  .strictObject({
    /** The SLOs it applies to; or `service` for all of that service's SLOs. */
    slos: z.array(objectName).min(1).optional(),
    service: objectName.optional(),
    start: z.iso.datetime({ offset: true }),
    end: z.iso.datetime({ offset: true }).optional(),
    duration: durationString.optional(),
    /** RFC 5545 recurrence rule for recurring windows, e.g. FREQ=WEEKLY;BYDAY=SU. Each occurrence lasts `duration`. */
    rrule: z.string().regex(/^(RRULE:)?FREQ=/, 'an RFC 5545 rule starting with FREQ=, e.g. FREQ=WEEKLY;BYDAY=SU').optional(),
    /** Zone for a recurrence (so a weekly 02:00 window stays at 02:00 across DST). */
    timezone: timeZone.default('UTC'),
    reason: z.string().min(1).max(2000),
    /** Who asked for it (a Person); the audit log also records who applied it. */
    author: objectName,
  })
  .superRefine((c, ctx) => {
    if ((c.slos === undefined) === (c.service === undefined)) ctx.addIssue({ code: 'custom', path: ['slos'], message: 'give exactly one of slos or service' });
    if (c.rrule && !c.duration) ctx.addIssue({ code: 'custom', path: ['duration'], message: 'a recurring correction needs the duration of each occurrence' });
    if (c.rrule && c.end) ctx.addIssue({ code: 'custom', path: ['end'], message: 'a recurring correction takes duration for each occurrence (and UNTIL or COUNT in the rule to stop it), not end' });
    if (!c.rrule && (c.end === undefined) === (c.duration === undefined)) ctx.addIssue({ code: 'custom', path: ['end'], message: 'give exactly one of end or duration' });
    if (c.end && Date.parse(c.end) <= Date.parse(c.start)) ctx.addIssue({ code: 'custom', path: ['end'], message: 'end must be after start' });
  });
export type CorrectionSpec = z.infer<typeof correctionSpec>;

function servicesOf(spec: CorrectionSpec, catalog: { get(kind: string, name: string): ConfigObject | undefined }): string[] {
  if (spec.service) return [spec.service];
  return (spec.slos ?? []).flatMap((n) => {
    const s = catalog.get('SLO', n) as ConfigObject<SloSpec> | undefined;
    return s ? [s.spec.service] : [];
  });
}

export const correction: KindDefinition<CorrectionSpec> = {
  kind: 'Correction',
  plural: 'corrections',
  aliases: ['correction', 'maintenance'],
  description: 'Time excluded from SLO error budgets, one-off or recurring (RRULE), with its author and reason.',
  specSchema: correctionSpec,
  applyOrder: 60,
  references: (spec) => {
    const refs: ObjectReference[] = [{ kind: 'Person', name: spec.author, path: ['spec', 'author'] }];
    if (spec.service) refs.push({ kind: 'Service', name: spec.service, path: ['spec', 'service'] });
    spec.slos?.forEach((s, i) => refs.push({ kind: 'SLO', name: s, path: ['spec', 'slos', i] }));
    return refs;
  },
  // Only a team that owns every service concerned may excuse downtime from their budgets.
  owners: (obj, catalog) => {
    const owners = new Set(
      servicesOf(obj.spec, catalog).map((s) => (catalog.get('Service', s) as ConfigObject<{ owner: string }> | undefined)?.spec.owner),
    );
    return owners.size === 1 && !owners.has(undefined) ? [[...owners][0]!] : [];
  },
  crossCheck: (obj) => checkCorrection(toCorrection(obj)).map((message) => ({ path: ['spec', message.startsWith('rrule') ? 'rrule' : 'start'], message, severity: 'error' as const })),
  columns: (obj) => ({
    name: obj.metadata.name,
    applies: obj.spec.service ? `service ${obj.spec.service}` : (obj.spec.slos ?? []).join(','),
    start: obj.spec.start,
    until: obj.spec.end ?? obj.spec.duration ?? '',
    recurs: obj.spec.rrule ?? '',
    author: obj.spec.author,
    reason: obj.spec.reason,
  }),
  filters: {
    service: (obj, v) => obj.spec.service === v,
    slo: (obj, v) => obj.spec.slos?.includes(v) ?? false,
  },
};
