// pave openslo export: every SLO (with its service and data sources) as OpenSLO v1 YAML, from files or from pave.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { exportedDocuments, exportOpenSLO, formatOpenSLO, type OpenSLODocument, type OpenSLOExport } from '../../config/openslo/export.js';
import { checkCatalog, formatIssue, sortIssues, validateFiles } from '../../config/validate.js';
import { objectKey, type ConfigObject } from '../../domain/objects.js';
import { connect, expectOk, type GlobalOptions } from '../connection.js';
import { readSourceFiles } from '../files.js';
import { CliError, exitCodes, printJson, println } from '../output.js';

/** The kinds the export reads. */
const exportedKinds = [
  { kind: 'DataSource', plural: 'datasources' },
  { kind: 'Service', plural: 'services' },
  { kind: 'SLO', plural: 'slos' },
] as const;

/** The catalog in files, validated like `pave validate` does; invalid files stop the export. */
function catalogFromFiles(paths: string[], json: boolean): ConfigObject[] {
  const v = validateFiles(readSourceFiles(paths));
  const sources = new Map(v.objects.map((x) => [objectKey(x.object), x.source]));
  const objects = v.objects.map((x) => x.object);
  const errors = sortIssues([...v.issues, ...checkCatalog(objects, sources, v.declared)]).filter((i) => i.severity === 'error');
  if (errors.length > 0) {
    if (json) printJson({ valid: false, issues: errors });
    else for (const e of errors) process.stderr.write(`${formatIssue(e)}\n`);
    throw new CliError(`${errors.length} error(s): nothing exported`, exitCodes.rejected);
  }
  return objects;
}

/** The stored catalog's services and SLOs, as configuration (without status or evaluations). */
async function catalogFromPave(o: GlobalOptions): Promise<ConfigObject[]> {
  const client = await connect(o);
  try {
    const lists = await Promise.all(
      exportedKinds.map(async (k) => expectOk(await client.request<{ items: ConfigObject[] }>('GET', `/api/v1/${k.plural}`)).items),
    );
    return lists.flat().map(({ apiVersion, kind, metadata, spec }) => ({ apiVersion, kind, metadata, spec }));
  } finally {
    await client.close();
  }
}

/** `--out` names a file when it ends in .yaml or .yml, else a folder. */
const isYamlFile = (path: string) => /\.ya?ml$/i.test(path);

interface Written {
  path: string;
  documents: number;
}

function writeDocuments(path: string, documents: readonly OpenSLODocument[]): Written {
  writeFileSync(path, formatOpenSLO(documents));
  return { path, documents: documents.length };
}

/**
 * One file, or a folder with one file per service and the DataSources (shared by services) one per file under
 * `datasources/`, where no service file can have their name.
 */
function write(e: OpenSLOExport, out: string): Written[] {
  if (isYamlFile(out)) return [writeDocuments(out, exportedDocuments(e))];
  mkdirSync(out, { recursive: true });
  if (e.dataSources.length > 0) mkdirSync(join(out, 'datasources'), { recursive: true });
  return [
    ...e.dataSources.map((d) => writeDocuments(join(out, 'datasources', `${d.metadata.name}.yaml`), [d])),
    ...e.services.map((g) => writeDocuments(join(out, `${g.service}.yaml`), g.documents)),
  ];
}

export function registerOpenSLOCommands(program: Command, globals: () => GlobalOptions): void {
  const openslo = program.command('openslo').description('OpenSLO v1 documents: export the catalog\'s SLOs');
  openslo
    .command('export')
    .description('write every SLO, its service, its alert tiers and the data sources it reads as OpenSLO v1 YAML, from files (-f) or from pave')
    .option('-f, --file <paths...>', 'read the catalog from YAML files or folders (- for standard input) instead of pave')
    .option('--out <path>', 'write to this .yaml file, or to this folder with one file per service (default: standard output)')
    .action(async (cmd: { file?: string[]; out?: string }) => {
      const o = globals();
      const json = Boolean(o.json);
      const catalog = cmd.file ? catalogFromFiles(cmd.file, json) : await catalogFromPave(o);
      const exported = exportOpenSLO(catalog);
      if (exported.services.length === 0 && !json) process.stderr.write('no SLOs to export\n');
      if (cmd.out === undefined) {
        const documents = exportedDocuments(exported);
        if (json) printJson(documents);
        else process.stdout.write(formatOpenSLO(documents));
        return;
      }
      const written = write(exported, cmd.out);
      if (json) printJson({ files: written });
      else for (const w of written) println(`wrote ${w.documents} document(s) to ${w.path}`);
    });
}
