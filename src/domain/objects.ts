// The catalog's unit: one declared object (Team, Person, Service, ...), as validated from a document.

export interface ObjectMetadata {
  name: string;
  displayName?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface ConfigObject<Spec = Record<string, unknown>> {
  apiVersion: 'pave/v1';
  kind: string;
  metadata: ObjectMetadata;
  spec: Spec;
}

/** Where a document came from, so errors and plans can point at it. */
export interface SourceLocation {
  file: string;
  line: number;
  column: number;
}

export interface ObjectKey {
  kind: string;
  name: string;
}

export function objectKey(o: { kind: string; metadata?: { name: string }; name?: string }): string {
  return `${o.kind}/${o.metadata?.name ?? o.name}`;
}

/** A read-only view over a whole catalog (stored objects with a change applied) for cross-object rules. */
export interface CatalogView {
  get(kind: string, name: string): ConfigObject | undefined;
  list(kind: string): ConfigObject[];
}

export function catalogView(objects: Iterable<ConfigObject>): CatalogView {
  const byKey = new Map<string, ConfigObject>();
  const byKind = new Map<string, ConfigObject[]>();
  for (const o of objects) {
    byKey.set(objectKey(o), o);
    const list = byKind.get(o.kind) ?? [];
    list.push(o);
    byKind.set(o.kind, list);
  }
  return {
    get: (kind, name) => byKey.get(`${kind}/${name}`),
    list: (kind) => byKind.get(kind) ?? [],
  };
}
