// OpenSLO v1 documents of one apply, before validation. SLI, AlertPolicy and AlertCondition documents are not pave
// objects: they are validated here, then consumed by the SLOs that refer to them, so that every SLO becomes one
// self-contained pave SLO. An SLO's `indicatorRef`, its AlertPolicy references and the policies' `conditionRef`s are
// replaced by the documents they name; errors inside a referenced part point at the reference.
// The mapping is documented in docs/config/openslo.md.
import type { z } from 'zod';
import { formatPath, type ConfigIssue, type Path, type SourceDocument } from '../source.js';
import { conditionDocument, conditionNotes } from './alert-condition.js';
import { policyDocument, policyNotes } from './alert-policy.js';
import { isMap, openSLOApiVersion, problemParams, type Note } from './common.js';
import { sliDocument } from './sli.js';
import { sloDocument, sloNotes, sloSourcePath } from './slo.js';

export { openSLOSloAdapter } from './slo.js';

/** OpenSLO kinds read only as parts of SLOs. */
export const consumedKinds = ['SLI', 'AlertPolicy', 'AlertCondition'] as const;
type ConsumedKind = (typeof consumedKinds)[number];

/** The validator's translation of a zod issue into located config issues (see validate.ts). */
export type ZodIssueReporter = (issue: z.core.$ZodIssue, doc: SourceDocument | undefined, base: Path, root: unknown, file?: string) => ConfigIssue[];

export interface PreparedDocument {
  /** The document to validate as a pave object (an SLO with its references resolved); none when consumed or failed. */
  doc?: SourceDocument;
  issues: ConfigIssue[];
}

interface Entry {
  doc: SourceDocument;
  /** The document as an inline part ({kind, metadata, spec}), its own references resolved; undefined when invalid. */
  inline?: Record<string, unknown>;
  used: boolean;
}

/** A part of a resolved document that came from a reference: errors inside it point at the reference `refAt`. */
interface Span {
  at: Path;
  refAt: Path;
}

const refKeys: Record<ConsumedKind, string> = { SLI: 'indicatorRef', AlertPolicy: 'alertPolicyRef', AlertCondition: 'conditionRef' };

const startsWith = (path: Path, prefix: Path) => prefix.length <= path.length && prefix.every((p, i) => String(p) === String(path[i]));

function openSLOKind(doc: SourceDocument): string | undefined {
  const v = doc.value;
  return isMap(v) && v.apiVersion === openSLOApiVersion && typeof v.kind === 'string' ? v.kind : undefined;
}

/** The reference an item makes, mirroring `isReference` in ./common.ts; null for an inline item. */
function referenceOf(item: unknown, refKey: string): { name: unknown; namePath: Path; extra: string[]; kind?: unknown } | null {
  if (typeof item === 'string') return { name: item, namePath: [], extra: [] };
  if (!isMap(item)) return null;
  if (refKey in item) return { name: item[refKey], namePath: [refKey], extra: Object.keys(item).filter((k) => k !== refKey) };
  if (!('spec' in item) && 'metadata' in item) {
    return {
      name: isMap(item.metadata) ? item.metadata.name : undefined,
      namePath: ['metadata', 'name'],
      extra: Object.keys(item).filter((k) => !['apiVersion', 'kind', 'metadata'].includes(k)),
      kind: item.kind,
    };
  }
  return null;
}

class Preparer {
  readonly entries: Record<ConsumedKind, Map<string, Entry>> = { SLI: new Map(), AlertPolicy: new Map(), AlertCondition: new Map() };

  constructor(private readonly fromZod: ZodIssueReporter) {}

  /** One resolution: the references of one document. */
  resolveIn(doc: SourceDocument) {
    const issues: ConfigIssue[] = [];
    const spans: Span[] = [];
    let blocked = false;
    const issue = (path: Path, code: string, message: string, expected: string, found: string, key?: string): ConfigIssue => ({
      severity: 'error',
      code,
      file: doc.file,
      ...(key === undefined ? doc.locate(path) : doc.locateKey(path, key)),
      path: formatPath(key === undefined ? path : [...path, key]),
      message,
      expected,
      found,
    });
    const who = `${String((doc.value as { kind?: unknown }).kind)}/${String((doc.value as { metadata?: { name?: unknown } }).metadata?.name)}`;
    /**
     * The inline part the item at `itemPath` (in the document) refers to, or undefined when it is not a reference or
     * the reference cannot be resolved. `at` is where the part goes in the resolved document.
     */
    const resolve = (kind: ConsumedKind, item: unknown, itemPath: Path, at: Path = itemPath): Record<string, unknown> | undefined => {
      const ref = referenceOf(item, refKeys[kind]);
      if (!ref) return undefined;
      const namePath = [...itemPath, ...ref.namePath];
      for (const key of ref.extra) issues.push(issue(itemPath, 'unknown_field', `unknown field "${key}"`, `a reference: the name of an ${kind}, {${refKeys[kind]}: name} or {kind: ${kind}, metadata: {name}}`, key, key));
      if (ref.kind !== undefined && ref.kind !== kind) {
        issues.push(issue([...itemPath, 'kind'], 'invalid_value', 'not an allowed value', kind, JSON.stringify(ref.kind)));
      }
      if (typeof ref.name !== 'string') {
        issues.push(issue(namePath, ref.name === undefined ? 'missing_field' : 'invalid_type', `a reference needs the name of an ${kind}`, `the name of an ${kind}`, ref.name === undefined ? 'nothing' : `${typeof ref.name} ${JSON.stringify(ref.name)}`));
        return undefined;
      }
      const entry = this.entries[kind].get(ref.name);
      if (!entry) {
        issues.push(
          issue(
            namePath,
            'unknown_reference',
            `${who} refers to ${kind} "${ref.name}", which is not in this apply: pave does not store OpenSLO ${kind} documents, so apply the ${kind} together with the documents that use it`,
            `the name of an OpenSLO ${kind} document in the same apply`,
            JSON.stringify(ref.name),
          ),
        );
        return undefined;
      }
      entry.used = true;
      // A referenced document with errors has its own; the referring document waits for it to be fixed.
      if (!entry.inline) {
        blocked = true;
        return undefined;
      }
      spans.push({ at, refAt: namePath });
      return structuredClone(entry.inline);
    };
    /** Resolves the condition references of the policy spec `spec` (at `specPath`) in place. */
    const resolveConditions = (spec: unknown, specPath: Path) => {
      if (!isMap(spec) || !Array.isArray(spec.conditions)) return;
      const conditions = spec.conditions as unknown[];
      conditions.forEach((c, j) => {
        const inline = resolve('AlertCondition', c, [...specPath, 'conditions', j]);
        if (inline) conditions[j] = inline;
      });
    };
    return {
      issues,
      spans,
      resolve,
      resolveConditions,
      get blocked() {
        return blocked;
      },
    };
  }

  /** Validates a (resolved) document; issues point into the original through `spans`, fields mapped by `mapPath`. */
  check<T>(
    doc: SourceDocument,
    value: unknown,
    schema: z.ZodType<T>,
    spans: Span[],
    mapPath: (path: Path) => Path = (p) => p,
  ): { doc: SourceDocument; data?: T; issues: ConfigIssue[] } {
    const original = (path: Path): { path: Path; span: boolean } => {
      const q = mapPath(path);
      const span = spans.find((s) => startsWith(q, s.at));
      return span ? { path: span.refAt, span: true } : { path: q, span: false };
    };
    const located: SourceDocument = {
      ...doc,
      value,
      locate: (path) => doc.locate(original(path).path),
      locateKey: (path, key) => {
        const o = original(path);
        return o.span ? doc.locate(o.path) : doc.locateKey(o.path, key);
      },
    };
    const parsed = schema.safeParse(value);
    if (parsed.success) return { doc: located, data: parsed.data, issues: [] };
    const issues = parsed.error.issues.flatMap((zi) => {
      const out = this.fromZod(zi, located, [], value, doc.file);
      const params = problemParams(zi);
      if (params) for (const i of out) Object.assign(i, { code: params.code, expected: params.expected });
      return out;
    });
    return { doc: located, issues };
  }

  warnings(doc: SourceDocument, notes: Note[], spans: Span[]): ConfigIssue[] {
    return notes
      .filter((n) => !spans.some((s) => startsWith(n.path, s.at)))
      .map((n) => ({ severity: 'warning', code: 'not_read', file: doc.file, ...doc.locate(n.path), path: formatPath(n.path), message: n.message }));
  }
}

/**
 * Prepares the OpenSLO documents among `documents` (all the documents of one apply). The result maps a document to
 * what to do with it; documents not in it are validated as they are.
 */
export function prepareOpenSLO(documents: readonly SourceDocument[], fromZod: ZodIssueReporter): Map<SourceDocument, PreparedDocument> {
  const out = new Map<SourceDocument, PreparedDocument>();
  const p = new Preparer(fromZod);
  const byKind = (kind: string) => documents.filter((d) => openSLOKind(d) === kind);

  // Register every consumed document by name, so references resolve whatever the order of files and documents.
  const registered = new Set<SourceDocument>();
  for (const kind of consumedKinds) {
    for (const doc of byKind(kind)) {
      const prepared: PreparedDocument = { issues: [] };
      out.set(doc, prepared);
      const name = (doc.value as { metadata?: { name?: unknown } }).metadata?.name;
      if (typeof name !== 'string') continue;
      const first = p.entries[kind].get(name);
      if (first) {
        prepared.issues.push({
          severity: 'error',
          code: 'duplicate',
          file: doc.file,
          ...doc.locate(['metadata', 'name']),
          path: 'metadata.name',
          message: `${kind}/${name} is declared twice; first at ${first.doc.file}:${first.doc.line}:${first.doc.column}`,
          expected: 'each kind/name once',
          found: 'a second declaration',
        });
        continue;
      }
      p.entries[kind].set(name, { doc, used: false });
      registered.add(doc);
    }
  }
  const entryOf = (kind: ConsumedKind, doc: SourceDocument) =>
    registered.has(doc) ? p.entries[kind].get(String((doc.value as { metadata: { name: string } }).metadata.name)) : undefined;
  const inlineOf = (v: { kind: string; metadata: unknown; spec: unknown }) => ({ kind: v.kind, metadata: v.metadata, spec: v.spec });

  // Conditions first, then the policies that refer to them; SLIs stand alone.
  for (const doc of byKind('AlertCondition')) {
    const r = p.check(doc, doc.value, conditionDocument, []);
    out.get(doc)!.issues.push(...r.issues);
    if (!r.data) continue;
    out.get(doc)!.issues.push(...p.warnings(doc, conditionNotes(r.data.spec, ['spec']), []));
    const entry = entryOf('AlertCondition', doc);
    if (entry) entry.inline = inlineOf(r.data);
  }
  for (const doc of byKind('AlertPolicy')) {
    const value = structuredClone(doc.value) as Record<string, unknown>;
    const res = p.resolveIn(doc);
    res.resolveConditions(value.spec, ['spec']);
    const r = p.check(doc, value, policyDocument, res.spans);
    out.get(doc)!.issues.push(...res.issues, ...r.issues);
    if (!r.data || res.issues.length > 0 || res.blocked) continue;
    out.get(doc)!.issues.push(...p.warnings(doc, policyNotes(r.data.spec, ['spec']), res.spans));
    const entry = entryOf('AlertPolicy', doc);
    if (entry) entry.inline = inlineOf(r.data);
  }
  for (const doc of byKind('SLI')) {
    const r = p.check(doc, doc.value, sliDocument, []);
    out.get(doc)!.issues.push(...r.issues);
    const entry = entryOf('SLI', doc);
    if (r.data && entry) entry.inline = { metadata: r.data.metadata, spec: r.data.spec };
  }

  for (const doc of byKind('SLO')) {
    const value = structuredClone(doc.value) as Record<string, unknown>;
    const res = p.resolveIn(doc);
    const spec = value.spec;
    if (isMap(spec)) {
      if (spec.indicatorRef !== undefined && spec.indicator === undefined) {
        const inline = res.resolve('SLI', spec.indicatorRef, ['spec', 'indicatorRef'], ['spec', 'indicator']);
        if (inline) {
          delete spec.indicatorRef;
          spec.indicator = { metadata: inline.metadata, spec: inline.spec };
        }
      }
      if (Array.isArray(spec.alertPolicies)) {
        const policies = spec.alertPolicies as unknown[];
        policies.forEach((item, i) => {
          const inline = res.resolve('AlertPolicy', item, ['spec', 'alertPolicies', i]);
          if (inline) policies[i] = inline;
          else if (isMap(item)) res.resolveConditions(item.spec, ['spec', 'alertPolicies', i, 'spec']);
        });
      }
    }
    // pave field → OpenSLO field; an objective's target may be written as targetPercent.
    const mapPath = (path: Path): Path => {
      const q = sloSourcePath(path);
      const o = isMap(spec) && Array.isArray(spec.objectives) ? (spec.objectives as unknown[])[0] : undefined;
      if (formatPath(q) === 'spec.objectives[0].target' && isMap(o) && o.target === undefined && o.targetPercent !== undefined) {
        return ['spec', 'objectives', 0, 'targetPercent'];
      }
      return q;
    };
    const r = p.check(doc, value, sloDocument, res.spans, mapPath);
    const issues = [...res.issues, ...r.issues];
    if (!r.data || issues.length > 0 || res.blocked) {
      out.set(doc, { issues });
      continue;
    }
    out.set(doc, { doc: r.doc, issues: p.warnings(doc, sloNotes(r.data), res.spans) });
  }

  for (const kind of consumedKinds) {
    for (const [name, entry] of p.entries[kind]) {
      if (entry.used || !entry.inline) continue;
      const users = kind === 'AlertCondition' ? 'AlertPolicy' : 'SLO';
      out.get(entry.doc)!.issues.push({
        severity: 'warning',
        code: 'unused',
        file: entry.doc.file,
        ...entry.doc.locate(['metadata', 'name']),
        path: 'metadata.name',
        message: `${kind} "${name}" is used by no ${users} in this apply; pave does not store OpenSLO ${kind} documents, only the SLOs that use them`,
      });
    }
  }
  return out;
}
