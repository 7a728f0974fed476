// The registry of config kinds. A new kind is a module beside this one and one line below.
import type { KindDefinition } from '../kind.js';
import { budgetPolicy } from './budget-policy.js';
import { correction } from './correction.js';
import { dataSource } from './data-source.js';
import { escalationPolicy } from './escalation-policy.js';
import { flag } from './flag.js';
import { integration } from './integration.js';
import { person } from './person.js';
import { rollout } from './rollout.js';
import { schedule } from './schedule.js';
import { service } from './service.js';
import { silence } from './silence.js';
import { sla } from './sla.js';
import { slo } from './slo.js';
import { team } from './team.js';

export const kinds: readonly KindDefinition[] = [person, team, schedule, escalationPolicy, service, dataSource, slo, sla, correction, integration, silence, flag, budgetPolicy, rollout];

const byName = new Map<string, KindDefinition>();
for (const k of kinds) {
  for (const alias of [k.kind, k.kind.toLowerCase(), k.plural, ...k.aliases]) byName.set(alias.toLowerCase(), k);
}

/** Finds a kind by its name, plural or alias, case-insensitively (`Service`, `services`, `svc`). */
export function findKind(name: string): KindDefinition | undefined {
  return byName.get(name.toLowerCase());
}

export function kindOrder(kind: string): number {
  return findKind(kind)?.applyOrder ?? 1000;
}
