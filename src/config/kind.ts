// The contract every config kind implements. Adding a kind = one module in ./kinds and one line in ./kinds/index.ts.
import type { z } from 'zod';
import type { CatalogView, ConfigObject } from '../domain/objects.js';

export interface ObjectReference {
  kind: string;
  name: string;
  /** Path inside the document, used to point errors at the referring field. */
  path: (string | number)[];
}

/** A rule that spans objects, checked against the resulting catalog; issues point into this object. */
export interface CrossCheckIssue {
  path: (string | number)[];
  message: string;
  severity: 'error' | 'warning';
}

/** How an OpenSLO v1 document of some kind becomes a pave object. */
export interface OpenSLOAdapter {
  /** Validates the whole OpenSLO document (apiVersion, kind, metadata, spec). */
  schema: z.ZodType;
  toPave(doc: unknown): ConfigObject;
  /** Where in the OpenSLO document a field of the converted object came from, for error positions. */
  sourcePath?(pavePath: readonly (string | number)[]): readonly (string | number)[];
}

export interface KindDefinition<Spec = any> {
  kind: string;
  /** Lower-case plural used in API paths (`/api/v1/services`) and `pave get services`. */
  plural: string;
  aliases: string[];
  description: string;
  /** Validates `spec`; strict so that a typo is an error, not a silently ignored field. */
  specSchema: z.ZodType<Spec>;
  /** Lower applies first; deletes run in reverse. */
  applyOrder: number;
  references(spec: Spec): ObjectReference[];
  /** Teams that may change this object, computed on the catalog it lives in; [] = admins only. */
  owners(obj: ConfigObject<Spec>, catalog: CatalogView): string[];
  crossCheck?(obj: ConfigObject<Spec>, catalog: CatalogView): CrossCheckIssue[];
  /**
   * Other objects whose ownership this change alters, so the caller must also be allowed to change them (e.g. adding
   * an existing person to a team makes that team a co-owner of the person). `before` is null on create.
   */
  affects?(before: Spec | null, after: Spec | null): ObjectReference[];
  /** Columns for `pave get` tables. */
  columns(obj: ConfigObject<Spec>): Record<string, string>;
  /** Query-string filters for list endpoints, e.g. `?owner=payments`. */
  filters?: Record<string, (obj: ConfigObject<Spec>, value: string) => boolean>;
  openslo?: OpenSLOAdapter;
}
