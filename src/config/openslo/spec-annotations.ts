// pave spec fields that OpenSLO v1 cannot express travel in `pave.dev/spec.<path>` annotations: `pave openslo export`
// writes them (./export.ts) and pave's OpenSLO import puts them back into the spec and drops the annotations (the SLO
// and Service adapters call `restoreSpecAnnotations`), so pave → OpenSLO → pave loses nothing. Other tools keep them
// as opaque implementation metadata, which is what OpenSLO annotations are for. Mapping: docs/config/openslo.md.
import type { ConfigObject } from '../../domain/objects.js';

export const specAnnotationPrefix = 'pave.dev/spec.';

/** A path segment is a spec field name; anything else is left alone as an ordinary annotation. */
const fieldName = /^[A-Za-z][A-Za-z0-9]*$/;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const isMap = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

function parsesAsJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/**
 * The annotation text of a value: JSON, except a string that is not itself JSON, written bare so that `15m` reads as
 * `15m` and not `"15m"`. `null` stands for "no such field".
 */
export function encodeSpecValue(value: unknown): string {
  if (typeof value === 'string' && !parsesAsJson(value)) return value;
  return JSON.stringify(value === undefined ? null : value);
}

export function decodeSpecValue(text: string): Json {
  try {
    return JSON.parse(text) as Json;
  } catch {
    return text;
  }
}

/** Deep equality of JSON-like values; a key holding undefined counts as absent (as in YAML). */
export function sameValue(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => sameValue(x, b[i]));
  }
  if (isMap(a) && isMap(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...keys].every((k) => sameValue(a[k], b[k]));
  }
  return a === b;
}

/**
 * The annotations that turn `got` (what pave's import makes of an exported OpenSLO document) back into `want` (the
 * pave spec that was exported): one per field that differs, as deep as maps go, except at the `atomic` paths (dotted),
 * which are carried whole. Lists are always carried whole. Sorted by key.
 */
export function specAnnotations(want: Record<string, unknown>, got: Record<string, unknown>, atomic: readonly string[] = []): Record<string, string> {
  const out: [string, string][] = [];
  const walk = (w: unknown, g: unknown, path: string[]): void => {
    if (sameValue(w, g)) return;
    const at = path.join('.');
    if (isMap(w) && isMap(g) && (path.length === 0 || !atomic.includes(at))) {
      for (const k of [...new Set([...Object.keys(w), ...Object.keys(g)])].sort()) walk(w[k], g[k], [...path, k]);
      return;
    }
    out.push([`${specAnnotationPrefix}${at}`, encodeSpecValue(w)]);
  };
  walk(want, got, []);
  return Object.fromEntries(out.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function carriedPath(key: string): string[] | null {
  if (!key.startsWith(specAnnotationPrefix)) return null;
  const path = key.slice(specAnnotationPrefix.length).split('.');
  return path.every((p) => fieldName.test(p)) ? path : null;
}

function setAt(target: Record<string, unknown>, path: string[], value: Json): void {
  const [head, ...rest] = path as [string, ...string[]];
  if (rest.length === 0) {
    if (value === null) delete target[head];
    else target[head] = value;
    return;
  }
  if (!isMap(target[head])) {
    if (value === null) return;
    target[head] = {};
  }
  setAt(target[head] as Record<string, unknown>, rest, value);
}

/**
 * The object with its `pave.dev/spec.*` annotations moved back into the spec (a field carried whole first, then the
 * fields inside it), before the spec is validated like any other.
 */
export function restoreSpecAnnotations<T extends ConfigObject>(obj: T): T {
  const annotations = obj.metadata.annotations ?? {};
  const carried = Object.keys(annotations)
    .map((key) => ({ key, path: carriedPath(key) }))
    .filter((c): c is { key: string; path: string[] } => c.path !== null)
    .sort((a, b) => a.path.length - b.path.length || (a.key < b.key ? -1 : 1));
  if (carried.length === 0) return obj;
  const spec = structuredClone(obj.spec) as Record<string, unknown>;
  const rest = { ...annotations };
  for (const { key, path } of carried) {
    setAt(spec, path, decodeSpecValue(annotations[key]!));
    delete rest[key];
  }
  return { ...obj, metadata: { ...obj.metadata, annotations: rest }, spec } as T;
}
