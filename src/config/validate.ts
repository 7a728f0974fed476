// Turns YAML files into validated catalog objects, reporting every problem at once with file, line and column.
import type { z } from 'zod';
import { catalogView, objectKey, type CatalogView, type ConfigObject } from '../domain/objects.js';
import { findKind, kinds } from './kinds/index.js';
import { metadataSchema } from './metadata.js';
import { consumedKinds, prepareOpenSLO } from './openslo/index.js';
import { formatPath, parseSourceFile, type ConfigIssue, type Path, type SourceDocument, type SourceFile } from './source.js';

export interface ValidatedObject {
  object: ConfigObject;
  source: SourceDocument;
}

export interface FileValidation {
  objects: ValidatedObject[];
  issues: ConfigIssue[];
  /** kind/name of every document that named itself, valid or not: references to them are not "unknown". */
  declared: Set<string>;
}

const apiVersions = ['pave/v1', 'openslo/v1'];
const openSLOKinds = ['SLO', 'SLI', 'Service', 'AlertPolicy', 'AlertCondition', 'AlertNotificationTarget', 'DataSource'];
/** The OpenSLO kinds pave reads: those with an adapter, and those consumed by SLOs. */
const acceptedOpenSLOKinds = () => [...kinds.filter((k) => k.openslo).map((k) => k.kind), ...consumedKinds];

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return `a list of ${value.length}`;
  if (typeof value === 'object') return 'a map';
  const text = JSON.stringify(value);
  return `${typeof value} ${text.length > 60 ? `${text.slice(0, 57)}...` : text}`;
}

function valueAt(root: unknown, path: Path): unknown {
  let v = root;
  for (const p of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string | number, unknown>)[p];
  }
  return v;
}

/** zod's default messages start like this; anything else was worded by our schemas and says more. */
function ownWords(message: string): boolean {
  return !/^(Invalid|Too (big|small)|Expected|Unrecognized)/.test(message);
}

function expectedOf(issue: z.core.$ZodIssue): string | undefined {
  switch (issue.code) {
    case 'invalid_type':
      return issue.expected === 'object' ? 'a map' : issue.expected === 'array' ? 'a list' : `a ${issue.expected}`;
    case 'invalid_value':
      return `one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'too_small':
      if (ownWords(issue.message)) return issue.message;
      return issue.origin === 'string' ? `at least ${String(issue.minimum)} characters` : issue.origin === 'array' ? `at least ${String(issue.minimum)} items` : `${issue.inclusive ? '>=' : '>'} ${String(issue.minimum)}`;
    case 'too_big':
      if (ownWords(issue.message)) return issue.message;
      return issue.origin === 'string' ? `at most ${String(issue.maximum)} characters` : issue.origin === 'array' ? `at most ${String(issue.maximum)} items` : `${issue.inclusive ? '<=' : '<'} ${String(issue.maximum)}`;
    case 'invalid_format':
      // Our schemas word their own expectation ("an http(s) URL"); zod's defaults start with "Invalid".
      return issue.format === 'regex' || !issue.message.startsWith('Invalid') ? issue.message : `a valid ${issue.format}`;
    case 'invalid_union':
      return issue.message;
    default:
      return issue.message;
  }
}

const messages: Record<string, string> = {
  invalid_type: 'wrong type',
  invalid_value: 'not an allowed value',
  invalid_format: 'invalid format',
  too_small: 'too small',
  too_big: 'too big',
  invalid_union: 'matches none of the allowed forms',
};

/** One zod issue → one located config issue. `base` is where the validated value sits in the document. */
export function issueFromZod(issue: z.core.$ZodIssue, doc: SourceDocument | undefined, base: Path, root: unknown, file?: string): ConfigIssue[] {
  const path = [...base, ...(issue.path as (string | number)[])];
  // A union (e.g. a rolling or a calendar window) that matched no form: report the problems of the form that came
  // closest (fewest issues), where the user most likely meant it, rather than a bare "invalid input".
  if (issue.code === 'invalid_union' && Array.isArray((issue as { errors?: unknown }).errors)) {
    const branches = (issue as unknown as { errors: z.core.$ZodIssue[][] }).errors.filter((b) => b.length > 0);
    const best = branches.sort((a, b) => a.length - b.length)[0];
    const note = (issue as { note?: string }).note;
    if (best && note !== 'No matching discriminator') return best.flatMap((i) => issueFromZod(i, doc, path, root, file));
  }
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => ({
      severity: 'error' as const,
      code: 'unknown_field',
      file,
      ...(doc ? doc.locateKey(path, key) : {}),
      path: formatPath([...path, key]),
      message: `unknown field "${key}"`,
      expected: 'only the fields documented for this kind',
      found: key,
    }));
  }
  const value = valueAt(root, path);
  const missing = value === undefined && issue.code === 'invalid_type';
  // Our own rules (refinements) word the whole problem themselves.
  const custom = issue.code === 'custom';
  const discriminator = issue.code === 'invalid_union' && (issue as { note?: string }).note === 'No matching discriminator';
  return [
    {
      severity: 'error',
      code: missing ? 'missing_field' : discriminator ? 'invalid_value' : issue.code,
      file,
      ...(doc ? doc.locate(path) : {}),
      path: formatPath(path),
      message: missing ? 'required field is missing' : custom ? issue.message : (messages[issue.code] ?? 'invalid value'),
      expected: custom ? undefined : discriminator ? issue.message.replace(/^Invalid discriminator value\. Expected /, 'one of ') : expectedOf(issue),
      found: describe(value),
    },
  ];
}

function validateDocument(doc: SourceDocument): { object?: ConfigObject; issues: ConfigIssue[] } {
  const at = (path: Path, issue: Omit<ConfigIssue, 'severity' | 'file' | 'line' | 'column' | 'path'>): ConfigIssue => ({
    severity: 'error',
    file: doc.file,
    ...doc.locate(path),
    path: formatPath(path),
    ...issue,
  });
  const v = doc.value;
  if (v === null || typeof v !== 'object' || Array.isArray(v)) {
    return { issues: [at([], { code: 'invalid_type', message: 'a document must be a map with apiVersion, kind, metadata and spec', expected: 'a map', found: describe(v) })] };
  }
  const d = v as Record<string, unknown>;
  const issues: ConfigIssue[] = [];
  if (typeof d.apiVersion !== 'string' || !apiVersions.includes(d.apiVersion)) {
    issues.push(at(['apiVersion'], { code: d.apiVersion === undefined ? 'missing_field' : 'invalid_value', message: 'unsupported apiVersion', expected: apiVersions.join(' or '), found: describe(d.apiVersion) }));
  }
  const kind = typeof d.kind === 'string' ? findKind(d.kind) : undefined;
  if (!kind || kind.kind !== d.kind) {
    const accepted = d.apiVersion === 'openslo/v1' ? acceptedOpenSLOKinds() : kinds.map((k) => k.kind);
    const expected = `one of ${accepted.join(', ')}`;
    let message = 'unknown kind';
    if (kind) message = `unknown kind: kinds are case-sensitive, did you mean ${kind.kind}?`;
    else if (d.apiVersion === 'openslo/v1' && openSLOKinds.includes(String(d.kind))) message = `OpenSLO kind ${String(d.kind)} is not supported yet`;
    issues.push(at(['kind'], { code: d.kind === undefined ? 'missing_field' : 'unknown_kind', message, expected, found: describe(d.kind) }));
  }
  if (issues.length > 0 || !kind) return { issues };

  if (d.apiVersion === 'openslo/v1') {
    if (!kind.openslo) {
      return { issues: [at(['kind'], { code: 'unknown_kind', message: `OpenSLO kind ${kind.kind} is not supported yet`, expected: `one of ${acceptedOpenSLOKinds().join(', ')}`, found: kind.kind })] };
    }
    const parsed = kind.openslo.schema.safeParse(d);
    if (!parsed.success) return { issues: parsed.error.issues.flatMap((i) => issueFromZod(i, doc, [], d, doc.file)) };
    // The converted object is validated as a pave object; errors point at the OpenSLO field each value came from.
    const adapter = kind.openslo;
    const located: SourceDocument = { ...doc, locate: (path) => doc.locate(adapter.sourcePath?.(path) ?? path) };
    return validatePave(located, adapter.toPave(parsed.data) as unknown as Record<string, unknown>, true);
  }
  return validatePave(doc, d, false);
}

function validatePave(doc: SourceDocument, d: Record<string, unknown>, fromOpenSLO: boolean): { object?: ConfigObject; issues: ConfigIssue[] } {
  const kind = findKind(String(d.kind))!;
  const issues: ConfigIssue[] = [];
  const extra = Object.keys(d).filter((k) => !['apiVersion', 'kind', 'metadata', 'spec'].includes(k));
  for (const key of extra) {
    issues.push({ severity: 'error', code: 'unknown_field', file: doc.file, ...doc.locateKey([], key), path: key, message: `unknown field "${key}"`, expected: 'apiVersion, kind, metadata, spec', found: key });
  }
  const meta = metadataSchema.safeParse(d.metadata);
  if (!meta.success) issues.push(...meta.error.issues.flatMap((i) => issueFromZod(i, doc, ['metadata'], d, doc.file)));
  const spec = kind.specSchema.safeParse(d.spec ?? {});
  if (!spec.success) {
    const issuesFound = spec.error.issues.flatMap((i) => issueFromZod(i, doc, ['spec'], d, doc.file));
    if (fromOpenSLO) for (const i of issuesFound) i.message += ' (derived from the OpenSLO document: see docs/config/openslo.md)';
    issues.push(...issuesFound);
  }
  if (issues.length > 0 || !meta.success || !spec.success) return { issues };
  return {
    object: { apiVersion: 'pave/v1', kind: kind.kind, metadata: meta.data, spec: spec.data as Record<string, unknown> },
    issues,
  };
}

/** Parses and validates files document by document: syntax, schema, duplicates within the set. */
export function validateFiles(files: SourceFile[]): FileValidation {
  const issues: ConfigIssue[] = [];
  const objects: ValidatedObject[] = [];
  const seen = new Map<string, SourceDocument>();
  const declared = new Set<string>();
  const parsedFiles = files.map(parseSourceFile);
  // OpenSLO SLIs, AlertPolicies and AlertConditions are consumed by the SLOs that refer to them (see ./openslo).
  const openslo = prepareOpenSLO(parsedFiles.flatMap((p) => p.documents), issueFromZod);
  for (const parsed of parsedFiles) {
    issues.push(...parsed.issues);
    for (const original of parsed.documents) {
      const prepared = openslo.get(original) ?? { doc: original, issues: [] };
      const doc = prepared.doc;
      const validated = doc ? validateDocument(doc) : { issues: [] };
      const r = { object: validated.object, issues: [...prepared.issues, ...validated.issues] };
      for (const i of r.issues) {
        i.kind ??= typeof (original.value as { kind?: unknown })?.kind === 'string' ? String((original.value as { kind: string }).kind) : undefined;
        i.name ??= String((original.value as { metadata?: { name?: unknown } })?.metadata?.name ?? '') || undefined;
      }
      issues.push(...r.issues);
      const head = original.value as { kind?: unknown; metadata?: { name?: unknown } } | null;
      const declaredKind = typeof head?.kind === 'string' ? findKind(head.kind)?.kind : undefined;
      if (declaredKind && typeof head?.metadata?.name === 'string') declared.add(`${declaredKind}/${head.metadata.name}`);
      if (!r.object || !doc) continue;
      const key = objectKey(r.object);
      const first = seen.get(key);
      if (first) {
        issues.push({
          severity: 'error',
          code: 'duplicate',
          file: doc.file,
          ...doc.locate(['metadata', 'name']),
          path: 'metadata.name',
          kind: r.object.kind,
          name: r.object.metadata.name,
          message: `${key} is declared twice; first at ${first.file}:${first.line}:${first.column}`,
          expected: 'each kind/name once',
          found: 'a second declaration',
        });
        continue;
      }
      seen.set(key, doc);
      objects.push({ object: r.object, source: doc });
    }
  }
  return { objects, issues, declared };
}

/**
 * Files validated as a whole catalog: validateFiles, then checkCatalog over the objects found, every issue sorted by
 * place. What `pave validate` reports for files alone.
 */
export function validateCatalogFiles(files: SourceFile[]): FileValidation {
  const v = validateFiles(files);
  const sources = new Map(v.objects.map((x) => [objectKey(x.object), x.source]));
  return { ...v, issues: sortIssues([...v.issues, ...checkCatalog(v.objects.map((x) => x.object), sources, v.declared)]) };
}

/**
 * Cross-object rules on a whole catalog: every reference resolves, and each kind's own checks.
 * `sources` locates objects that came from files; stored objects are reported by kind and name.
 */
export function checkCatalog(
  catalog: ConfigObject[],
  sources: Map<string, SourceDocument> = new Map(),
  declaredInvalid: Set<string> = new Set(),
  /** kind/name of objects this apply deletes (prune), to say so instead of "does not exist". */
  deleted: Set<string> = new Set(),
): ConfigIssue[] {
  const view: CatalogView = catalogView(catalog);
  const issues: ConfigIssue[] = [];
  for (const obj of catalog) {
    const kind = findKind(obj.kind);
    if (!kind) continue;
    const src = sources.get(objectKey(obj));
    const where = (path: Path) => (src ? { file: src.file, ...src.locate(path) } : {});
    for (const ref of kind.references(obj.spec)) {
      // An object declared in the files but invalid already has its own error; don't pile on.
      if (view.get(ref.kind, ref.name) || declaredInvalid.has(`${ref.kind}/${ref.name}`)) continue;
      issues.push({
        severity: 'error',
        code: 'unknown_reference',
        ...where(ref.path),
        path: formatPath(ref.path),
        kind: obj.kind,
        name: obj.metadata.name,
        message: deleted.has(`${ref.kind}/${ref.name}`)
          ? `${obj.kind}/${obj.metadata.name} refers to ${ref.kind} "${ref.name}", which --prune would delete because the files no longer declare it`
          : `${obj.kind}/${obj.metadata.name} refers to ${ref.kind} "${ref.name}", which does not exist`,
        expected: `the name of an existing ${ref.kind}`,
        found: JSON.stringify(ref.name),
      });
    }
    for (const c of kind.crossCheck?.(obj, view) ?? []) {
      issues.push({ severity: c.severity, code: 'invalid_object', ...where(c.path), path: formatPath(c.path), kind: obj.kind, name: obj.metadata.name, message: c.message });
    }
  }
  return issues;
}

/** Stable order for reports: by file, line, column, then path. */
export function sortIssues(issues: ConfigIssue[]): ConfigIssue[] {
  return [...issues].sort(
    (a, b) =>
      (a.file ?? '\uffff').localeCompare(b.file ?? '\uffff') ||
      (a.line ?? 0) - (b.line ?? 0) ||
      (a.column ?? 0) - (b.column ?? 0) ||
      a.path.localeCompare(b.path),
  );
}

export function formatIssue(i: ConfigIssue): string {
  const where = i.file ? `${i.file}:${i.line ?? 0}:${i.column ?? 0}` : i.kind ? `${i.kind}/${i.name}` : '(request)';
  const field = i.path ? ` ${i.path}:` : '';
  const parts = [i.expected ? `expected ${i.expected}` : '', i.found ? `found ${i.found}` : ''].filter(Boolean);
  const exp = parts.length ? ` (${parts.join(', ')})` : '';
  return `${where}: ${i.severity}:${field} ${i.message}${exp}`;
}
