// What an apply would change: a per-object, per-field diff between the stored catalog and the desired one.
import { objectKey, type ConfigObject } from './objects.js';

export type PlanAction = 'create' | 'update' | 'delete' | 'unchanged';

export interface FieldChange {
  /** Dotted path inside the object, e.g. `spec.dependsOn[1].kind`. */
  path: string;
  before?: unknown;
  after?: unknown;
}

export interface PlannedChange {
  action: PlanAction;
  kind: string;
  name: string;
  before: ConfigObject | null;
  after: ConfigObject | null;
  fields: FieldChange[];
}

export interface Plan {
  changes: PlannedChange[];
  summary: Record<PlanAction, number>;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function childPath(base: string, key: string | number): string {
  if (typeof key === 'number') return `${base}[${key}]`;
  return base === '' ? key : `${base}.${key}`;
}

/** Leaf-level differences between two JSON values; arrays compare by index. */
export function diffValues(before: unknown, after: unknown, path = ''): FieldChange[] {
  if (isPlainObject(before) && isPlainObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys.flatMap((k) => diffValues(before[k], after[k], childPath(path, k)));
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    const n = Math.max(before.length, after.length);
    const out: FieldChange[] = [];
    for (let i = 0; i < n; i++) out.push(...diffValues(before[i], after[i], childPath(path, i)));
    return out;
  }
  if (JSON.stringify(before) === JSON.stringify(after)) return [];
  const change: FieldChange = { path };
  if (before !== undefined) change.before = before;
  if (after !== undefined) change.after = after;
  return [change];
}

function comparable(o: ConfigObject): Record<string, unknown> {
  return { metadata: o.metadata, spec: o.spec };
}

export interface PlanInput {
  current: ConfigObject[];
  desired: ConfigObject[];
  /** Delete current objects that desired does not declare (only those `mayPrune` accepts). */
  prune: boolean;
  mayPrune?: (o: ConfigObject) => boolean;
  /** Sort key for kinds: creates/updates in this order, deletes in reverse. */
  kindOrder?: (kind: string) => number;
}

export function planChanges(input: PlanInput): Plan {
  const current = new Map(input.current.map((o) => [objectKey(o), o]));
  const desiredKeys = new Set<string>();
  const changes: PlannedChange[] = [];
  for (const want of input.desired) {
    const key = objectKey(want);
    desiredKeys.add(key);
    const have = current.get(key) ?? null;
    const fields = diffValues(have ? comparable(have) : {}, comparable(want));
    const action: PlanAction = have === null ? 'create' : fields.length > 0 ? 'update' : 'unchanged';
    changes.push({ action, kind: want.kind, name: want.metadata.name, before: have, after: want, fields });
  }
  if (input.prune) {
    for (const [key, have] of current) {
      if (desiredKeys.has(key) || !(input.mayPrune?.(have) ?? true)) continue;
      changes.push({
        action: 'delete',
        kind: have.kind,
        name: have.metadata.name,
        before: have,
        after: null,
        fields: diffValues(comparable(have), {}),
      });
    }
  }
  const order = input.kindOrder ?? (() => 0);
  const rank = (c: PlannedChange) => (c.action === 'delete' ? 1000 - order(c.kind) : order(c.kind));
  changes.sort(
    (a, b) =>
      Number(a.action === 'delete') - Number(b.action === 'delete') ||
      rank(a) - rank(b) ||
      a.kind.localeCompare(b.kind) ||
      a.name.localeCompare(b.name),
  );
  const summary: Record<PlanAction, number> = { create: 0, update: 0, delete: 0, unchanged: 0 };
  for (const c of changes) summary[c.action]++;
  return { changes, summary };
}
