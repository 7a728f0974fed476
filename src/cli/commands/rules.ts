// pave rules generate: Prometheus recording and alerting rules, and promtool tests, for the SLOs with a promql
// indicator. The catalog comes from files (-f, validated like `pave validate`) or from pave (a server, or the local
// data folder); the generation itself is pure (src/rules), this command only reads and writes.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { formatIssue, validateCatalogFiles } from '../../config/validate.js';
import { type ConfigObject } from '../../domain/objects.js';
import { generateRules, RulesError, type RulesOutput } from '../../rules/index.js';
import type { StoredObject } from '../../store/objects.js';
import { connect, expectOk, type GlobalOptions } from '../connection.js';
import { readSourceFiles } from '../files.js';
import { CliError, exitCodes, printJson, println } from '../output.js';

/** Where pave answers when nothing else is said: `pave serve`'s default address. */
export const defaultPaveUrl = 'http://127.0.0.1:8080';

/** The kinds rule generation reads. */
const kindsRead = ['slos', 'services', 'datasources'];

interface GenerateOptions {
  file?: string[];
  out?: string;
  slo?: string[];
  paveUrl?: string;
}

/** The catalog of the given files, or the command fails with every problem in them (as `pave validate` reports). */
function catalogFromFiles(paths: string[]): ConfigObject[] {
  const v = validateCatalogFiles(readSourceFiles(paths));
  const errors = v.issues.filter((i) => i.severity === 'error');
  if (errors.length > 0) {
    for (const i of errors) process.stderr.write(`${formatIssue(i)}\n`);
    throw new CliError(`${errors.length} error(s): no rules generated`, exitCodes.rejected);
  }
  return v.objects.map((x) => x.object);
}

async function catalogFromPave(o: GlobalOptions): Promise<ConfigObject[]> {
  const client = await connect(o);
  try {
    const lists = await Promise.all(kindsRead.map(async (plural) => expectOk(await client.request<{ items: StoredObject[] }>('GET', `/api/v1/${plural}`)).items));
    return lists.flat().map((s) => ({ apiVersion: s.apiVersion, kind: s.kind, metadata: s.metadata, spec: s.spec }));
  } finally {
    await client.close();
  }
}

function report(result: RulesOutput, written: string[] | null, json: boolean, named: boolean): void {
  if (json) {
    printJson({ slos: result.slos, files: written ?? [], ...(written ? {} : { rules: result.combined }), skipped: result.skipped, notes: result.notes });
    return;
  }
  // SLOs asked for by name and skipped end the command with an error instead.
  if (!named) for (const s of result.skipped) process.stderr.write(`skipped SLO ${s.slo}: ${s.reason}\n`);
  for (const n of result.notes) process.stderr.write(`note: SLO ${n.slo}: ${n.note}\n`);
  if (written) for (let i = 0; i + 1 < written.length; i += 2) println(`wrote ${written[i]} and its promtool tests ${written[i + 1]}`);
}

export function registerRulesCommands(program: Command, globals: () => GlobalOptions): void {
  const rules = program.command('rules').description('Prometheus rules for SLOs with a promql indicator');
  rules
    .command('generate')
    .description(
      'write Prometheus recording and burn-rate alerting rules, with the same tiers and thresholds as pave, and a promtool test file per SLO; ' +
        'without --out, print the rules of every SLO as one rule file',
    )
    .option('-f, --file <paths...>', 'read the catalog from these YAML files or folders (- for standard input) instead of pave')
    .option('--out <dir>', 'write <slo>.rules.yml and <slo>.test.yml per SLO into this folder (created if missing)')
    .option('--slo <names...>', 'only these SLOs (each must have a promql indicator)')
    .option('--pave-url <url>', 'pave base URL for the link annotation (default: --server or PAVE_URL, else http://127.0.0.1:8080)')
    .action(async (cmd: GenerateOptions) => {
      const o = globals();
      const paveUrl = cmd.paveUrl ?? o.server ?? process.env.PAVE_URL ?? defaultPaveUrl;
      if (!/^https?:\/\/[^\s]+$/.test(paveUrl)) throw new CliError(`--pave-url must be an http(s) URL, not ${paveUrl}`, exitCodes.usage);
      const catalog = cmd.file ? catalogFromFiles(cmd.file) : await catalogFromPave(o);
      let result: RulesOutput;
      try {
        result = generateRules(catalog, { paveUrl, only: cmd.slo });
      } catch (err) {
        if (err instanceof RulesError) throw new CliError(err.message, exitCodes.rejected);
        throw err;
      }
      // An SLO asked for by name and not generated is a failure; one merely found in the catalog is a note.
      const refused = cmd.slo ? result.skipped : [];
      if (result.slos.length === 0 && refused.length === 0) {
        if (o.json) printJson({ slos: [], files: [], skipped: result.skipped, notes: [] });
        else process.stderr.write('no SLO with a promql indicator: nothing to generate\n');
        return;
      }
      let written: string[] | null = null;
      if (cmd.out) {
        mkdirSync(cmd.out, { recursive: true });
        written = result.files.map((f) => {
          writeFileSync(join(cmd.out!, f.name), f.content);
          return join(cmd.out!, f.name);
        });
      } else if (!o.json && result.combined) process.stdout.write(result.combined);
      report(result, written, Boolean(o.json), Boolean(cmd.slo));
      if (refused.length > 0) throw new CliError(refused.map((s) => `SLO ${s.slo}: ${s.reason}`).join('\n'), exitCodes.rejected);
    });
}
