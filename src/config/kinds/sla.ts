// SLA: a contractual promise with consequences, backed by an SLO. Kept apart from the SLO so the internal target
// can stay stricter than the contract.
import { z } from 'zod';
import type { ConfigObject } from '../../domain/objects.js';
import type { KindDefinition } from '../kind.js';
import { objectName } from '../metadata.js';
import type { SloSpec } from './slo.js';

export const slaSpec = z.strictObject({
  slo: objectName,
  /** Contractual target in percent, over the SLO's window. */
  target: z.number().gt(0).lt(100),
  /** What happens when the target is missed, e.g. "10% service credit". */
  consequence: z.string().min(1).max(2000),
  customer: z.string().max(200).optional(),
});
export type SlaSpec = z.infer<typeof slaSpec>;

export const sla: KindDefinition<SlaSpec> = {
  kind: 'SLA',
  plural: 'slas',
  aliases: ['sla'],
  description: 'A service level agreement: a contractual target and its consequence, measured by an SLO.',
  specSchema: slaSpec,
  applyOrder: 50,
  references: (spec) => [{ kind: 'SLO', name: spec.slo, path: ['spec', 'slo'] }],
  owners: (obj, catalog) => {
    const s = catalog.get('SLO', obj.spec.slo) as ConfigObject<SloSpec> | undefined;
    const svc = s && (catalog.get('Service', s.spec.service) as ConfigObject<{ owner: string }> | undefined);
    return svc ? [svc.spec.owner] : [];
  },
  crossCheck(obj, catalog) {
    const s = catalog.get('SLO', obj.spec.slo) as ConfigObject<SloSpec> | undefined;
    if (s && obj.spec.target > s.spec.objective) {
      return [{ path: ['spec', 'target'], severity: 'warning', message: `the SLA target ${obj.spec.target}% is stricter than its SLO's objective ${s.spec.objective}%: the contract would be breached before the internal budget is spent` }];
    }
    return [];
  },
  columns: (obj) => ({ name: obj.metadata.name, slo: obj.spec.slo, target: `${obj.spec.target}%`, consequence: obj.spec.consequence }),
  filters: { slo: (obj, v) => obj.spec.slo === v },
};
