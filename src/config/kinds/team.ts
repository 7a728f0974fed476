// Team: a group of people that owns services and is paged for them.
import { z } from 'zod';
import type { KindDefinition } from '../kind.js';
import { objectName } from '../metadata.js';

export const teamSpec = z.strictObject({
  displayName: z.string().min(1).max(200).optional(),
  description: z.string().max(2000).optional(),
  members: z.array(objectName).default([]),
  chat: z.string().max(200).optional(),
  email: z.email().optional(),
  /** The EscalationPolicy a page for this team's services follows unless the service names its own. */
  escalationPolicy: objectName.optional(),
});
export type TeamSpec = z.infer<typeof teamSpec>;

export const team: KindDefinition<TeamSpec> = {
  kind: 'Team',
  plural: 'teams',
  aliases: ['team'],
  description: 'A team of people that owns services and is on call for them.',
  specSchema: teamSpec,
  applyOrder: 20,
  references: (spec) => [
    ...spec.members.map((m, i) => ({ kind: 'Person', name: m, path: ['spec', 'members', i] })),
    ...(spec.escalationPolicy === undefined ? [] : [{ kind: 'EscalationPolicy', name: spec.escalationPolicy, path: ['spec', 'escalationPolicy'] }]),
  ],
  owners: (obj) => [obj.metadata.name],
  // Listing a person as a member gives this team a say over them: their existing owners must agree.
  affects: (before, after) => {
    const had = new Set(before?.members ?? []);
    return (after?.members ?? []).flatMap((m, i) => (had.has(m) ? [] : [{ kind: 'Person', name: m, path: ['spec', 'members', i] }]));
  },
  crossCheck(obj) {
    const seen = new Set<string>();
    return obj.spec.members.flatMap((m, i) => {
      if (!seen.has(m)) return (seen.add(m), []);
      return [{ path: ['spec', 'members', i], message: `${m} is listed twice`, severity: 'error' as const }];
    });
  },
  columns: (obj) => ({
    name: obj.metadata.name,
    displayName: obj.spec.displayName ?? '',
    members: String(obj.spec.members.length),
    chat: obj.spec.chat ?? '',
  }),
  filters: { member: (obj, v) => obj.spec.members.includes(v) },
};
