// Collects YAML files from paths (files, folders searched recursively, or - for standard input).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import type { SourceFile } from '../config/source.js';
import { CliError, exitCodes } from './output.js';

const yamlFile = /\.(ya?ml)$/i;

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((e) => {
      if (e.name.startsWith('.')) return [];
      const p = join(dir, e.name);
      if (e.isDirectory()) return walk(p);
      return yamlFile.test(e.name) ? [p] : [];
    });
}

/** Paths inside the working directory are shown relative to it, others as absolute paths. */
function displayName(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel && !rel.startsWith('..') ? rel : resolve(file);
}

export function readSourceFiles(paths: string[], stdin: () => string = () => readFileSync(0, 'utf8')): SourceFile[] {
  if (paths.length === 0) throw new CliError('no files given: pass YAML files or folders (or - for standard input)', exitCodes.usage);
  const files: SourceFile[] = [];
  for (const p of paths) {
    if (p === '-') {
      files.push({ name: '<stdin>', content: stdin() });
      continue;
    }
    let isDir: boolean;
    try {
      isDir = statSync(p).isDirectory();
    } catch {
      throw new CliError(`${p}: no such file or folder`, exitCodes.usage);
    }
    const list = isDir ? walk(p) : [p];
    if (isDir && list.length === 0) throw new CliError(`${p}: no .yaml or .yml files in this folder`, exitCodes.usage);
    for (const f of list) files.push({ name: displayName(f), content: readFileSync(f, 'utf8') });
  }
  return files;
}
