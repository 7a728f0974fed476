import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runCli } from '../support/cli.js';

const kindsOf = (yaml: string) => parseAllDocuments(yaml).map((d) => `${String(d.get('kind'))}/${String(d.getIn(['metadata', 'name']))}`);

describe('pave openslo export', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'pave-openslo-'));
    cpSync(inject('pgliteTemplate'), join(dir, 'data'), { recursive: true });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('exports files to standard output, to one file, and as JSON', async () => {
    const stdout = await runCli(['openslo', 'export', '-f', 'examples']);
    expect(stdout.code).toBe(0);
    expect(stdout.stderr).toBe('');
    const kinds = kindsOf(stdout.stdout);
    expect(kinds.filter((k) => k.startsWith('SLO/'))).toHaveLength(6);
    expect(kinds.filter((k) => k.startsWith('Service/'))).toEqual(['Service/catalog-api', 'Service/checkout', 'Service/identity', 'Service/payments-api', 'Service/storefront-web']);
    expect(stdout.stdout).toMatch(/^apiVersion: openslo\/v1\nkind: Service\nmetadata:\n  name: catalog-api\n/);

    const file = join(dir, 'all.yaml');
    const toFile = await runCli(['openslo', 'export', '-f', 'examples', '--out', file]);
    expect(toFile.code).toBe(0);
    expect(toFile.stdout).toBe(`wrote ${kinds.length} document(s) to ${file}\n`);
    expect(readFileSync(file, 'utf8')).toBe(stdout.stdout);

    const json = await runCli(['--json', 'openslo', 'export', '-f', 'examples']);
    expect(json.code).toBe(0);
    const documents = JSON.parse(json.stdout) as { kind: string; metadata: { name: string } }[];
    expect(documents.map((d) => `${d.kind}/${d.metadata.name}`)).toEqual(kinds);
  });

  it('exports the stored catalog to a folder, one file per service, that pave applies back with every spec unchanged', async () => {
    const env = { PAVE_DATA_DIR: join(dir, 'data') };
    expect((await runCli(['apply', 'examples', 'docs/examples/openslo'], { env })).code).toBe(0);
    const out = join(dir, 'openslo');
    const exported = await runCli(['--json', 'openslo', 'export', '--out', out], { env });
    expect(exported.code).toBe(0);
    const files = (JSON.parse(exported.stdout) as { files: { path: string; documents: number }[] }).files;
    expect(files.map((f) => f.path)).toEqual(['catalog-api', 'checkout', 'fraud-scoring', 'identity', 'payments-api', 'storefront-web'].map((s) => join(out, `${s}.yaml`)));
    expect(readdirSync(out).sort()).toEqual(files.map((f) => f.path.slice(out.length + 1)));
    const checkout = readFileSync(join(out, 'checkout.yaml'), 'utf8');
    expect(kindsOf(checkout).slice(0, 2)).toEqual(['Service/checkout', 'SLO/checkout-availability']);
    expect(checkout).toContain('    pave.dev/spec.alerting.minEvents: "100"\n');

    // The export from the store is the export from the files it was applied from.
    const fromFiles = await runCli(['openslo', 'export', '-f', 'examples', 'docs/examples/openslo']);
    expect(files.map((f) => readFileSync(f.path, 'utf8')).join('---\n')).toBe(fromFiles.stdout);

    // Applied back with the rest of the catalog (the OpenSLO files replace the SLOs and their services), nothing changes.
    const exportedNames = new Set(files.flatMap((f) => kindsOf(readFileSync(f.path, 'utf8'))));
    const rest = readdirSync('examples')
      .flatMap((f) => readFileSync(join('examples', f), 'utf8').split(/^---\n/m))
      .filter((d) => !kindsOf(d).some((k) => exportedNames.has(k)));
    writeFileSync(join(dir, 'rest.yaml'), rest.join('---\n'));
    const plan = await runCli(['plan', join(dir, 'rest.yaml'), out], { env });
    expect(plan.code).toBe(0);
    const lines = plan.stdout.trimEnd().split('\n');
    expect(lines.at(-1)).toMatch(/^Plan: 0 to create, 12 to update, 0 to delete, \d+ unchanged\.$/);
    // Every spec is unchanged: the import only marks the six SLOs and six services as read from OpenSLO (and keeps the
    // owner and tier it read from pave's annotations). The warnings: pave does not deliver alerts to OpenSLO
    // notification targets (the export names pave's own).
    const changes = lines.slice(0, -1).filter((l) => !/: warning: spec\.notificationTargets: notificationTargets are not read/.test(l));
    expect(changes.filter((l) => l.startsWith('~ update')).length).toBe(12);
    expect(changes.filter((l) => !l.startsWith('~ update'))).toEqual(changes.filter((l) => /^ {4}metadata\.annotations: \(none\) -> \{.*"pave\.dev\/source":"openslo\/v1"\}$/.test(l)));
  });

  it('writes the data sources that promql SLOs read to their own folder, and the folder validates', async () => {
    const catalog = join(dir, 'promql.yaml');
    writeFileSync(
      catalog,
      `apiVersion: pave/v1
kind: Team
metadata: { name: payments }
spec: {}
---
apiVersion: pave/v1
kind: Service
metadata: { name: checkout }
spec: { owner: payments }
---
apiVersion: pave/v1
kind: DataSource
metadata: { name: prometheus-main }
spec: { type: prometheus, owner: payments, url: "http://prometheus:9090", headersFromEnv: { Authorization: PROM_AUTH } }
---
apiVersion: pave/v1
kind: SLO
metadata: { name: checkout-promql }
spec:
  service: checkout
  indicator:
    promql:
      dataSource: prometheus-main
      good: 'sum(increase(http_requests_total{code!~"5.."}[{{window}}]))'
      total: 'sum(increase(http_requests_total[{{window}}]))'
  objective: 99.9
  window: { rolling: 30d }
`,
    );
    const out = join(dir, 'promql-out');
    const r = await runCli(['openslo', 'export', '-f', catalog, '--out', out]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`wrote 1 document(s) to ${join(out, 'datasources', 'prometheus-main.yaml')}\nwrote 6 document(s) to ${join(out, 'checkout.yaml')}\n`);
    expect(readFileSync(join(out, 'datasources', 'prometheus-main.yaml'), 'utf8')).toContain('kind: DataSource\nmetadata:\n  name: prometheus-main\n  annotations:\n    pave.dev/owner: payments\nspec:\n  type: Prometheus\n');
    const team = join(dir, 'team.yaml');
    writeFileSync(team, 'apiVersion: pave/v1\nkind: Team\nmetadata: { name: payments }\nspec: {}\n');
    const valid = await runCli(['validate', team, out]);
    expect(valid.code).toBe(0);
    expect(valid.stdout.trimEnd().split('\n').at(-1)).toBe('valid: 4 object(s) in 3 file(s)');
  });

  it('refuses invalid files with their errors and exit 1', async () => {
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'apiVersion: pave/v1\nkind: SLO\nmetadata: { name: x }\nspec: { service: nope, objective: 100 }\n');
    const r = await runCli(['openslo', 'export', '-f', bad]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`${bad}:4:`);
    expect(r.stderr).toContain('error: spec.objective: too big');
    expect(r.stderr).toContain('error: 3 error(s): nothing exported');
  });
});
