// Generated rules and their generated tests through the real promtool: `promtool check rules` on every rule file and
// `promtool test rules` on every test file, for the example catalog and edge cases (28-day and calendar windows,
// custom tiers, 99.99% and 99.999%, latency, windows that are no whole number of tiles, PromQL pave cannot model).
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatIssue, validateCatalogFiles } from '../../src/config/validate.js';
import { generateRules, type RulesOutput } from '../../src/rules/index.js';
import { promtoolAvailable, runPromtool } from './promtool.js';

const root = new URL('../../', import.meta.url);
const files = ['examples/', 'docs/examples/prometheus/'].flatMap((dir) =>
  readdirSync(new URL(dir, root)).map((f) => ({ name: `${dir}${f}`, content: readFileSync(new URL(`${dir}${f}`, root), 'utf8') })),
);

const slo = (name: string, spec: string, indicator = '') => `apiVersion: pave/v1
kind: SLO
metadata: { name: ${name} }
spec:
  service: checkout
  indicator:
    promql:
      dataSource: prometheus-main
${indicator || '      good: sum(increase(http_requests_total{job="checkout",code!~"5.."}[{{window}}]))\n      total: sum(increase(http_requests_total{job="checkout"}[{{window}}]))'}
${spec}
---
`;

/** The edge cases, each an SLO of the example service checkout read from the example Prometheus. */
const edgeCases = [
  slo('edge-calendar-week', '  objective: 99.5\n  window: { calendar: week }'),
  slo('edge-calendar-year', '  objective: 99.9\n  window: { calendar: year, timezone: Asia/Tokyo }'),
  slo(
    'edge-ticket-tiers',
    '  objective: 99.9\n  window: { rolling: 14d }\n  alerting:\n    tiers:\n      - { severity: ticket, long: 2h, short: 10m, factor: 5 }\n      - { severity: ticket, long: 12h, budgetShare: 10 }',
  ),
  slo('edge-half-day', '  objective: 99\n  window: { rolling: 12h }'),
  slo('edge-odd-window', '  objective: 99.5\n  window: { rolling: 2d1m }\n  alerting: { tiers: default, minEvents: 100000 }'),
  slo('edge-five-nines', '  objective: 99.999\n  window: { rolling: 30d }'),
  slo('edge-ninety', '  objective: 90\n  window: { rolling: 28d }'),
  slo('edge-silent', '  objective: 99\n  window: { rolling: 7d }\n  alerting: { enabled: false }'),
  slo('edge-fast-no-data', '  objective: 99\n  window: { rolling: 7d }\n  noData: { alertAfter: 5m }'),
  slo(
    'edge-latency-inf-bucket',
    '  objective: 95\n  window: { rolling: 28d }',
    '      good: sum(increase(rpc_duration_seconds_bucket{service="checkout",le="0.05"}[{{window}}]))\n' +
      '      total: sum(increase(rpc_duration_seconds_bucket{service="checkout",le="+Inf"}[{{window}}]))',
  ),
  slo(
    'edge-opaque',
    '  objective: 99\n  window: { rolling: 7d }',
    '      good: sum(rate(http_requests_total{code!~"5.."}[{{window}}])) * 60\n      total: sum(rate(http_requests_total[{{window}}])) * 60',
  ),
].join('');

describe.skipIf(!promtoolAvailable)('generated rules pass promtool check rules and promtool test rules', () => {
  let dir: string;
  let output: RulesOutput;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'pave-rules-'));
    const v = validateCatalogFiles([...files, { name: 'edge.yaml', content: edgeCases }]);
    const errors = v.issues.filter((i) => i.severity === 'error');
    expect(errors.map(formatIssue)).toEqual([]);
    output = generateRules(
      v.objects.map((o) => o.object),
      { paveUrl: 'http://127.0.0.1:8080' },
    );
    for (const f of output.files) writeFileSync(join(dir, f.name), f.content);
    writeFileSync(join(dir, 'all.rules.yml'), output.combined);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('covers the example catalog and every edge case', () => {
    expect(output.skipped).toEqual([]);
    expect(output.slos).toEqual([
      'catalog-api-search',
      'checkout-http-availability',
      'checkout-http-latency',
      'edge-calendar-week',
      'edge-calendar-year',
      'edge-fast-no-data',
      'edge-five-nines',
      'edge-half-day',
      'edge-latency-inf-bucket',
      'edge-ninety',
      'edge-odd-window',
      'edge-opaque',
      'edge-silent',
      'edge-ticket-tiers',
      'identity-login-errors',
      'payments-api-authorisations',
    ]);
    expect(output.notes.map((n) => n.slo)).toEqual(['edge-opaque']);
  });

  it('promtool check rules accepts every rule file and the combined one', async () => {
    for (const name of [...output.slos.map((s) => `${s}.rules.yml`), 'all.rules.yml']) {
      const r = await runPromtool(['check', 'rules', name], dir);
      expect(r.output, name).toContain('SUCCESS');
      expect(r.code, `${name}\n${r.output}`).toBe(0);
    }
  });

  const names = [
    'catalog-api-search',
    'checkout-http-availability',
    'checkout-http-latency',
    'identity-login-errors',
    'payments-api-authorisations',
    'edge-calendar-week',
    'edge-calendar-year',
    'edge-fast-no-data',
    'edge-five-nines',
    'edge-half-day',
    'edge-latency-inf-bucket',
    'edge-ninety',
    'edge-odd-window',
    'edge-opaque',
    'edge-silent',
    'edge-ticket-tiers',
  ];
  for (const name of names) {
    it(`promtool test rules passes for ${name}`, async () => {
      const r = await runPromtool(['test', 'rules', `${name}.test.yml`], dir);
      expect(r.code, r.output).toBe(0);
      expect(r.output).toContain('SUCCESS');
    });
  }

  it('the generated tests fail when a threshold is off, or an alert misses a window', async () => {
    const original = readFileSync(join(dir, 'checkout-http-availability.rules.yml'), 'utf8');
    const mutants = [
      original.replaceAll('> 0.0144', '> 0.0146'),
      original.replace('ratio5m{slo="checkout-http-availability"} > 0.0144', 'ratio30m{slo="checkout-http-availability"} > 0.0144'),
      original.replace('[25m]', '[35m]'),
      original.replace('>= 100\n', '>= 100000\n'),
    ];
    for (const [i, mutant] of mutants.entries()) {
      expect(mutant, `mutant ${i}`).not.toBe(original);
      writeFileSync(join(dir, 'checkout-http-availability.rules.yml'), mutant);
      const r = await runPromtool(['test', 'rules', 'checkout-http-availability.test.yml'], dir);
      expect(r.code, `mutant ${i}:\n${r.output}`).not.toBe(0);
      expect(r.output).toContain('FAILED');
    }
    writeFileSync(join(dir, 'checkout-http-availability.rules.yml'), original);
  });
});
