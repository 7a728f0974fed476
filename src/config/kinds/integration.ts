// Integration: an inbound alert source. It names the wire format its sender speaks and the service or team its
// alerts belong to when their labels do not say. Its keys are secrets: they are minted through the API
// (`POST /api/v1/integrations/{name}/keys`, shown once, stored hashed) and never appear in the catalog.
import { z } from 'zod';
import type { CatalogView, ConfigObject } from '../../domain/objects.js';
import type { CrossCheckIssue, KindDefinition, ObjectReference } from '../kind.js';
import { objectName } from '../metadata.js';
import type { ServiceSpec } from './service.js';

export const integrationFormats = ['alertmanager', 'alertmanager-v2', 'pagerduty', 'webhook'] as const;
export type IntegrationFormat = (typeof integrationFormats)[number];

/** A label name as Prometheus allows it. */
const labelName = z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]{0,127}$/, 'a label name such as service or alertname');

export const integrationSpec = z.strictObject({
  format: z.enum(integrationFormats, { error: `format: one of ${integrationFormats.join(', ')}` }),
  description: z.string().max(2000).optional(),
  /** Alerts whose labels name no known service or team go to this service's owning team. */
  service: objectName.optional(),
  /** ...or to this team. Give at most one of service and team. */
  team: objectName.optional(),
  /** The labels whose values put alerts on the same page; default service + alertname (pagerduty: dedup_key). */
  groupBy: z.array(labelName).min(1).max(20).optional(),
});
export type IntegrationSpec = z.infer<typeof integrationSpec>;

/** The labels an integration groups by: its own, or the format's default. */
export function groupLabelsOf(spec: Pick<IntegrationSpec, 'format' | 'groupBy'>): string[] {
  if (spec.groupBy) return spec.groupBy;
  // A PagerDuty event is its own incident unless told otherwise, as in PagerDuty.
  return spec.format === 'pagerduty' ? ['dedup_key'] : ['service', 'alertname'];
}

/** The team that owns an integration: its team, or its service's owner; none means admins only. */
export function integrationOwner(spec: IntegrationSpec, catalog: CatalogView): string | undefined {
  if (spec.team) return spec.team;
  if (spec.service) return (catalog.get('Service', spec.service) as ConfigObject<ServiceSpec> | undefined)?.spec.owner;
  return undefined;
}

export const integration: KindDefinition<IntegrationSpec> = {
  kind: 'Integration',
  plural: 'integrations',
  aliases: ['integration', 'int'],
  description: 'An inbound alert source (Alertmanager, Alertmanager API v2, PagerDuty Events v2, webhook) and where its alerts go.',
  specSchema: integrationSpec,
  applyOrder: 60,
  references: (spec) => {
    const refs: ObjectReference[] = [];
    if (spec.service) refs.push({ kind: 'Service', name: spec.service, path: ['spec', 'service'] });
    if (spec.team) refs.push({ kind: 'Team', name: spec.team, path: ['spec', 'team'] });
    return refs;
  },
  owners: (obj, catalog) => {
    const owner = integrationOwner(obj.spec, catalog);
    return owner ? [owner] : [];
  },
  crossCheck(obj) {
    const issues: CrossCheckIssue[] = [];
    if (obj.spec.service && obj.spec.team) {
      issues.push({ path: ['spec', 'team'], severity: 'error', message: 'give service or team, not both: a service already names its owning team' });
    }
    const groupBy = obj.spec.groupBy ?? [];
    const dup = groupBy.find((l, i) => groupBy.indexOf(l) !== i);
    if (dup) issues.push({ path: ['spec', 'groupBy'], severity: 'error', message: `${dup} is listed twice` });
    return issues;
  },
  columns: (obj) => ({
    name: obj.metadata.name,
    format: obj.spec.format,
    service: obj.spec.service ?? '',
    team: obj.spec.team ?? '',
    groupBy: groupLabelsOf(obj.spec).join(','),
  }),
  filters: {
    format: (obj, v) => obj.spec.format === v,
    service: (obj, v) => obj.spec.service === v,
    team: (obj, v) => obj.spec.team === v,
  },
};
