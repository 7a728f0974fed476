// What every OpenSLO v1 kind shares: metadata, duration shorthands, exact target arithmetic, and problems that name
// what was expected. See docs/config/openslo.md for the mapping onto pave objects.
import { z } from 'zod';
import type { Path } from '../source.js';

export const openSLOApiVersion = 'openslo/v1';

/** Label values may be lists in OpenSLO; pave labels are strings, so a list becomes one comma-separated value. */
export const openSLOLabels = z.record(z.string(), z.union([z.string(), z.array(z.string())]));

export function paveLabels(labels: Record<string, string | string[]> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(labels ?? {})) out[k] = Array.isArray(v) ? v.join(',') : v;
  return out;
}

/**
 * Names of SLIs, AlertPolicies and AlertConditions only serve references inside one apply (they are not stored), so
 * they follow OpenSLO, not pave's object names: the spec's own examples use names such as `OnCallDevopsMail`.
 */
export const refName = z.string().min(1).max(253);

/** Metadata of a document or an inline object that is consumed, not stored. */
export const consumedMetadata = z.strictObject({
  name: refName,
  displayName: z.string().optional(),
  labels: openSLOLabels.optional(),
  annotations: z.record(z.string(), z.string()).optional(),
});

/**
 * The two shapes of a consumed kind (AlertPolicy, AlertCondition): its own document, and the same spec written (or a
 * document of it inlined by reference) inside the document that uses it.
 */
export function consumedShapes<K extends string, S extends z.ZodType>(kind: K, spec: S) {
  return {
    document: z.strictObject({ apiVersion: z.literal(openSLOApiVersion), kind: z.literal(kind), metadata: consumedMetadata, spec }),
    inline: z.strictObject({ kind: z.literal(kind).optional(), metadata: consumedMetadata.optional(), spec }),
  };
}

/** OpenSLO's duration-shorthand: a positive whole number and one of m h d w M Q Y. */
export const durationShorthand = z
  .string()
  .regex(/^0*[1-9]\d*[mhdwMQY]$/, 'a duration-shorthand: a positive whole number and one of m, h, d, w, M, Q, Y (5m, 1h, 28d, 4w, 1M)');

/** `alertAfter` may be zero (its OpenSLO default is `0m`). */
export const durationShorthandOrZero = z
  .string()
  .regex(/^\d+[mhdwMQY]$/, 'a duration-shorthand: a whole number and one of m, h, d, w, M, Q, Y (0m, 5m, 1h)');

/** A shorthand with a fixed length (m, h, d, w) in pave's spelling (`030d` → `30d`); null for M, Q and Y. */
export function fixedDuration(shorthand: string): string | null {
  const m = /^(\d+)([mhdw])$/.exec(shorthand);
  if (!m) return null;
  return `${String(BigInt(m[1] ?? '0'))}${m[2] ?? ''}`;
}

export function isZeroDuration(shorthand: string): boolean {
  return /^0+[mhdwMQY]$/.test(shorthand);
}

/**
 * `x` × 100 done on the decimal digits, so that `0.999` becomes exactly `99.9` (in binary floating point
 * 0.999 × 100 is 99.89999999999999). The number is read through its shortest decimal form, as YAML wrote it.
 */
export function timesHundred(x: number): number {
  const m = /^(\d+)(?:\.(\d+))?(?:e([+-]\d+))?$/.exec(String(x));
  if (!m) return x * 100; // negative, NaN or infinite: let the range checks report it
  const [, whole = '', frac = '', exp = '0'] = m;
  const digits = whole + frac;
  const point = whole.length + Number(exp) + 2;
  const text =
    point <= 0 ? `0.${'0'.repeat(-point)}${digits}` : point >= digits.length ? digits + '0'.repeat(point - digits.length) : `${digits.slice(0, point)}.${digits.slice(point)}`;
  return Number(text);
}

/**
 * A problem found by an OpenSLO rule. `expected` and `code` travel in the zod issue's params; `reportIssues` puts
 * them on the config issue, so the error names what was expected as schema errors do.
 */
export interface ProblemParams {
  code: string;
  expected?: string;
}

export function problem(ctx: z.RefinementCtx, path: Path, message: string, expected?: string, code = 'invalid_value'): void {
  ctx.addIssue({ code: 'custom', path: [...path], message, params: { code, expected } satisfies ProblemParams });
}

export function problemParams(issue: z.core.$ZodIssue): ProblemParams | undefined {
  if (issue.code !== 'custom') return undefined;
  const p = (issue as { params?: Partial<ProblemParams> }).params;
  return typeof p?.code === 'string' ? { code: p.code, expected: p.expected } : undefined;
}

/** Forwards the issues of a nested parse into the current refinement, under `path`. */
export function forwardIssues(ctx: z.RefinementCtx, path: Path, issues: readonly z.core.$ZodIssue[]): void {
  for (const i of issues) ctx.addIssue({ ...i, path: [...path, ...(i.path as (string | number)[])] } as Parameters<typeof ctx.addIssue>[0]);
}

export const isMap = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Something written that pave reads differently or not at all: reported as a warning at `path`. */
export interface Note {
  path: Path;
  message: string;
}

/**
 * Whether a list item refers to a document instead of inlining one: a name, `{<refKey>: name}`, or
 * `{kind, metadata: {name}}` without a spec. References are resolved before validation (see ./index.ts); one still
 * here could not be resolved and already has its own error.
 */
export function isReference(item: unknown, refKey: string): boolean {
  return typeof item === 'string' || (isMap(item) && (refKey in item || (!('spec' in item) && 'metadata' in item)));
}

/** Validates the inlined items of a list whose items may also be (unresolved) references. */
export function inlineOrReference<T extends z.ZodType>(inline: T, refKey: string) {
  return z.array(z.unknown()).superRefine((items, ctx) => {
    items.forEach((item, i) => {
      if (isReference(item, refKey)) return;
      const r = inline.safeParse(item);
      if (!r.success) forwardIssues(ctx, [i], r.error.issues);
    });
  });
}
