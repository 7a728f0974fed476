// Reads YAML files into documents that remember where every node came from, for file:line:column errors.
import { isMap, isPair, isScalar, isSeq, LineCounter, parseAllDocuments, type Document, type Node } from 'yaml';

export interface SourceFile {
  name: string;
  content: string;
}

export interface ConfigIssue {
  severity: 'error' | 'warning';
  /** Machine-readable reason: yaml_syntax, invalid_type, unknown_field, missing_field, unknown_reference, ... */
  code: string;
  file?: string;
  line?: number;
  column?: number;
  /** Field path inside the document, e.g. `spec.dependsOn[0].service`. */
  path: string;
  kind?: string;
  name?: string;
  message: string;
  expected?: string;
  found?: string;
}

export interface SourceDocument {
  file: string;
  /** 0-based position of the document in its file. */
  index: number;
  value: unknown;
  line: number;
  column: number;
  /** Position of the value at `path`, or of its nearest existing ancestor when it is missing. */
  locate(path: Path): { line: number; column: number };
  /** Position of the key `key` in the map at `path` (where an unknown field is written). */
  locateKey(path: Path, key: string): { line: number; column: number };
}

export type Path = readonly (string | number)[];

export function formatPath(path: Path): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out === '' ? String(p) : `.${String(p)}`;
  return out;
}

/** The deepest node along `path` that exists, and for a map key the key node itself. */
function nodeAt(doc: Document, path: Path): Node | null {
  let node: unknown = doc.contents;
  let found: Node | null = (node as Node) ?? null;
  for (const key of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(key));
      if (!pair) return found;
      node = pair.value ?? pair.key;
      found = ((pair.value as Node | null) ?? (pair.key as Node)) || found;
    } else if (isSeq(node) && typeof key === 'number') {
      const item = node.items[key];
      if (!item) return found;
      node = item;
      found = item as Node;
    } else {
      return found;
    }
  }
  return found;
}

/** Position of the key `key` of the map at `path` (for "unknown field" errors). */
function keyNodeAt(doc: Document, path: Path, key: string): Node | null {
  const parent = nodeAt(doc, path);
  if (!isMap(parent)) return null;
  const pair = parent.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === key);
  return (pair?.key as Node | undefined) ?? null;
}

export interface ParsedFile {
  documents: SourceDocument[];
  issues: ConfigIssue[];
}

const maxAliasCount = 100;

export function parseSourceFile(file: SourceFile): ParsedFile {
  const lineCounter = new LineCounter();
  const issues: ConfigIssue[] = [];
  const documents: SourceDocument[] = [];
  const docs = parseAllDocuments(file.content, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const list = Array.isArray(docs) ? docs : [docs];
  const pos = (offset: number) => {
    const p = lineCounter.linePos(offset);
    return { line: p.line, column: p.col };
  };
  list.forEach((doc, index) => {
    if (doc.errors.length > 0) {
      for (const e of doc.errors) {
        issues.push({
          severity: 'error',
          code: 'yaml_syntax',
          file: file.name,
          ...pos(e.pos[0]),
          path: '',
          message: e.message.split('\n')[0] ?? e.message,
          expected: 'valid YAML',
        });
      }
      return;
    }
    if (doc.contents === null) return; // an empty document, e.g. a trailing `---`
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount });
    } catch (err) {
      issues.push({
        severity: 'error',
        code: 'yaml_syntax',
        file: file.name,
        ...pos(doc.contents.range?.[0] ?? 0),
        path: '',
        message: (err as Error).message,
      });
      return;
    }
    if (value === null || value === undefined) return; // a document holding only comments or `~`
    const start = pos(doc.contents.range?.[0] ?? 0);
    documents.push({
      file: file.name,
      index,
      value,
      ...start,
      locate(path) {
        const node = nodeAt(doc, path);
        return node?.range ? pos(node.range[0]) : start;
      },
      locateKey(path, key) {
        const node = keyNodeAt(doc, path, key) ?? nodeAt(doc, path);
        return node?.range ? pos(node.range[0]) : start;
      },
    });
  });
  return { documents, issues };
}
