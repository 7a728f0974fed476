// Service: something a team runs and makes promises about. Exactly one owning team.
import { z } from 'zod';
import type { CatalogView, ConfigObject } from '../../domain/objects.js';
import type { CrossCheckIssue, KindDefinition } from '../kind.js';
import { objectName, url } from '../metadata.js';
import { restoreSpecAnnotations } from '../openslo/spec-annotations.js';

export const tiers = ['critical', 'important', 'best-effort'] as const;
export const lifecycles = ['experimental', 'production', 'deprecated', 'decommissioned'] as const;

export const serviceSpec = z.strictObject({
  owner: objectName,
  description: z.string().max(2000).optional(),
  tier: z.enum(tiers).default('important'),
  lifecycle: z.enum(lifecycles).default('production'),
  dependsOn: z
    .array(z.strictObject({ service: objectName, kind: z.enum(['hard', 'soft']).default('hard') }))
    .default([]),
  links: z.array(z.strictObject({ title: z.string().min(1).max(200), url })).default([]),
  runbook: url.optional(),
  repository: url.optional(),
});
export type ServiceSpec = z.infer<typeof serviceSpec>;

/** OpenSLO has no owner or tier: pave reads them from labels (`team` or `owner`, `tier`) or `pave.dev/*` annotations. */
const openSLOLabels = z.record(z.string(), z.union([z.string(), z.array(z.string())]));
const openSLOService = z.strictObject({
  apiVersion: z.literal('openslo/v1'),
  kind: z.literal('Service'),
  metadata: z.strictObject({
    name: objectName,
    displayName: z.string().optional(),
    labels: openSLOLabels.optional(),
    annotations: z.record(z.string(), z.string()).optional(),
  }),
  spec: z.strictObject({ description: z.string().max(1050).optional() }).default({ description: undefined }),
});

function firstLabel(labels: Record<string, string | string[]> | undefined, ...keys: string[]): string | undefined {
  for (const k of keys) {
    const v = labels?.[k];
    if (typeof v === 'string') return v;
    if (Array.isArray(v) && v.length > 0) return v[0];
  }
  return undefined;
}

function dependsOnCycle(start: ConfigObject<ServiceSpec>, catalog: CatalogView): string[] | null {
  // Depth-first search along hard dependencies for a path back to `start`.
  const stack: { name: string; path: string[] }[] = [{ name: start.metadata.name, path: [start.metadata.name] }];
  const seen = new Set<string>();
  while (stack.length > 0) {
    const { name, path } = stack.pop()!;
    const svc = catalog.get('Service', name) as ConfigObject<ServiceSpec> | undefined;
    for (const dep of svc?.spec.dependsOn ?? []) {
      if (dep.kind !== 'hard') continue;
      if (dep.service === start.metadata.name) return [...path, dep.service];
      if (!seen.has(dep.service)) {
        seen.add(dep.service);
        stack.push({ name: dep.service, path: [...path, dep.service] });
      }
    }
  }
  return null;
}

export const service: KindDefinition<ServiceSpec> = {
  kind: 'Service',
  plural: 'services',
  aliases: ['service', 'svc'],
  description: 'A service owned by exactly one team, with a tier, a lifecycle and dependencies.',
  specSchema: serviceSpec,
  applyOrder: 30,
  references: (spec) => [
    { kind: 'Team', name: spec.owner, path: ['spec', 'owner'] },
    ...spec.dependsOn.map((d, i) => ({ kind: 'Service', name: d.service, path: ['spec', 'dependsOn', i, 'service'] })),
  ],
  owners: (obj) => [obj.spec.owner],
  crossCheck(obj, catalog) {
    const issues: CrossCheckIssue[] = obj.spec.dependsOn.flatMap((d, i) =>
      d.service === obj.metadata.name
        ? [{ path: ['spec', 'dependsOn', i, 'service'], message: 'a service cannot depend on itself', severity: 'error' }]
        : [],
    );
    const cycle = dependsOnCycle(obj, catalog);
    if (cycle && issues.length === 0) {
      issues.push({
        path: ['spec', 'dependsOn'],
        message: `hard dependency cycle ${cycle.join(' -> ')}: none of these can be more available than the others`,
        severity: 'warning',
      });
    }
    return issues;
  },
  columns: (obj) => ({
    name: obj.metadata.name,
    owner: obj.spec.owner,
    tier: obj.spec.tier,
    lifecycle: obj.spec.lifecycle,
    dependsOn: obj.spec.dependsOn.map((d) => (d.kind === 'soft' ? `${d.service}(soft)` : d.service)).join(','),
  }),
  filters: {
    owner: (obj, v) => obj.spec.owner === v,
    team: (obj, v) => obj.spec.owner === v,
    tier: (obj, v) => obj.spec.tier === v,
    lifecycle: (obj, v) => obj.spec.lifecycle === v,
  },
  openslo: {
    schema: openSLOService,
    sourcePath: (path) => {
      const field = path[0] === 'spec' ? path[1] : undefined;
      if (field === 'owner') return ['metadata', 'labels', 'team'];
      if (field === 'tier') return ['metadata', 'labels', 'tier'];
      return path;
    },
    toPave(doc) {
      const d = openSLOService.parse(doc);
      const annotations = d.metadata.annotations ?? {};
      const owner = annotations['pave.dev/owner'] ?? firstLabel(d.metadata.labels, 'team', 'owner');
      const tier = annotations['pave.dev/tier'] ?? firstLabel(d.metadata.labels, 'tier');
      const labels: Record<string, string> = {};
      for (const [k, v] of Object.entries(d.metadata.labels ?? {})) labels[k] = Array.isArray(v) ? v.join(',') : v;
      // Fields OpenSLO cannot express, carried by `pave openslo export` in pave.dev/spec.* annotations.
      return restoreSpecAnnotations({
        apiVersion: 'pave/v1',
        kind: 'Service',
        metadata: {
          name: d.metadata.name,
          ...(d.metadata.displayName ? { displayName: d.metadata.displayName } : {}),
          ...(Object.keys(labels).length ? { labels } : {}),
          annotations: { ...annotations, 'pave.dev/source': 'openslo/v1' },
        },
        spec: { owner, tier, description: d.spec.description },
      });
    },
  },
};
