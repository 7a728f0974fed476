// The folder holding pave's own package.json, found by walking up from this module: it holds whether pave runs from
// src/ through tsx, from dist/ after `npm run build`, or bundled into one file (as the tests run the CLI).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let found: string | undefined;

export function packageRoot(): string {
  if (found !== undefined) return found;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const file = join(dir, 'package.json');
    if (existsSync(file) && (JSON.parse(readFileSync(file, 'utf8')) as { name?: string }).name === 'pave') return (found = dir);
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`pave's package.json was not found above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
}
