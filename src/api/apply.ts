// POST /api/v1/apply: the same validate → plan → authorize → write as `pave apply`, atomically.
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { applyFiles, type ApplyResult } from '../catalog/apply.js';
import type { SourceFile } from '../config/source.js';
import { formatIssue } from '../config/validate.js';
import type { Database } from '../store/schema.js';
import { requirePrincipal } from './auth.js';
import { ApiError } from './errors.js';
import type { ServerMetrics } from './metrics.js';

export const applyBodyLimit = 16 * 1024 * 1024;

const filesBody = z.strictObject({
  files: z
    .array(z.strictObject({ name: z.string().min(1).max(1024), content: z.string() }))
    .min(1)
    .max(10_000),
});

const flag = z
  .enum(['true', 'false', '1', '0'])
  .optional()
  .transform((v) => v === 'true' || v === '1');

/** The wire form of a result: plans without repeating whole objects for unchanged ones. */
export function applyResponse(r: ApplyResult) {
  return {
    outcome: r.outcome,
    summary: r.plan.summary,
    changes: r.plan.changes.map((c) => ({ action: c.action, kind: c.kind, name: c.name, fields: c.fields })),
    warnings: r.issues.filter((i) => i.severity === 'warning'),
  };
}

export function registerApply(
  app: FastifyInstance,
  db: Kysely<Database>,
  metrics: ServerMetrics,
  onApplied: (result: ApplyResult) => void = () => undefined,
  now: () => Date = () => new Date(),
): void {
  app.post(
    '/api/v1/apply',
    {
      bodyLimit: applyBodyLimit,
      config: { access: 'write' },
      schema: {
        tags: ['catalog'],
        summary: 'Validate, plan and apply configuration documents atomically',
        description:
          'Body: `{"files":[{"name","content"}]}` with YAML file contents (so errors name file, line and column), or a raw ' +
          'YAML body with Content-Type application/yaml. `dryRun=true` only plans. `prune=true` deletes objects the caller ' +
          'may change that the documents no longer declare. 422 lists every validation error; 403 names each object the ' +
          'caller may not change. Nothing is written unless everything is valid and allowed.',
        querystring: z.strictObject({ dryRun: flag, prune: flag }),
        body: z.union([filesBody, z.string().describe('YAML documents (Content-Type application/yaml)')], {
          error: 'expected {"files":[{"name","content"}]} with YAML file contents, or a YAML body with Content-Type application/yaml',
        }),
      },
    },
    async (req, reply) => {
      const principal = requirePrincipal(req);
      const { dryRun, prune } = req.query as { dryRun: boolean; prune: boolean };
      const body = req.body as z.infer<typeof filesBody> | string;
      const files: SourceFile[] = typeof body === 'string' ? [{ name: 'request-body.yaml', content: body }] : body.files;
      const result = await applyFiles(db, { files, prune, dryRun, principal, requestId: req.id, now: now() });
      metrics.applies.inc({ outcome: result.outcome });
      if (result.outcome === 'invalid') {
        const errors = result.issues.filter((i) => i.severity === 'error');
        throw new ApiError(422, 'invalid_config', `${errors.length} error(s) in the configuration; nothing was applied:\n${errors.map(formatIssue).join('\n')}`, result.issues);
      }
      if (result.outcome === 'forbidden') {
        throw new ApiError(
          403,
          'forbidden',
          `not allowed to change ${result.denied.map((d) => `${d.kind}/${d.name}`).join(', ')}; nothing was applied`,
          result.denied,
        );
      }
      if (result.outcome === 'applied') onApplied(result);
      return reply.status(200).send(applyResponse(result));
    },
  );
}
