import { readdirSync, readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { formatIssue, validateCatalogFiles } from '../config/validate.js';
import type { ConfigObject } from '../domain/objects.js';
import { rangeJustUnder } from './generate.js';
import { generateRules, RulesError } from './index.js';
import { expandingNotation } from './promtool-tests.js';
import { regexExamples, syntheticSeries } from './test-series.js';

const root = new URL('../../', import.meta.url);
const exampleFiles = [
  ...readdirSync(new URL('examples/', root)).map((f) => `examples/${f}`),
  ...readdirSync(new URL('docs/examples/prometheus/', root)).map((f) => `docs/examples/prometheus/${f}`),
];

function catalog(extra = ''): ConfigObject[] {
  const files = exampleFiles.map((name) => ({ name, content: readFileSync(new URL(name, root), 'utf8') }));
  if (extra) files.push({ name: 'extra.yaml', content: extra });
  const v = validateCatalogFiles(files);
  const errors = v.issues.filter((i) => i.severity === 'error');
  expect(errors.map(formatIssue)).toEqual([]);
  return v.objects.map((o) => o.object);
}

const options = { paveUrl: 'http://pave.example.com' };

function rulesOf(objects: ConfigObject[], slo: string) {
  const file = generateRules(objects, options).files.find((f) => f.name === `${slo}.rules.yml`)!;
  return { text: file.content, groups: parse(file.content).groups as { name: string; interval?: string; rules: Record<string, any>[] }[] };
}

const promqlSlo = (name: string, spec: string) => `apiVersion: pave/v1
kind: SLO
metadata: { name: ${name} }
spec:
  service: checkout
  indicator:
    promql:
      dataSource: prometheus-main
      good: sum(increase(http_requests_total{job="checkout",code!~"5.."}[{{window}}]))
      total: sum(increase(http_requests_total{job="checkout"}[{{window}}]))
${spec}
---
`;

describe('pave rules generate (pure)', () => {
  it('writes a rule file and a test file per promql SLO, in name order, and the same bytes whatever the input order', () => {
    const objects = catalog();
    const a = generateRules(objects, options);
    expect(a.files.map((f) => f.name)).toEqual([
      'catalog-api-search.rules.yml',
      'catalog-api-search.test.yml',
      'checkout-http-availability.rules.yml',
      'checkout-http-availability.test.yml',
      'checkout-http-latency.rules.yml',
      'checkout-http-latency.test.yml',
      'identity-login-errors.rules.yml',
      'identity-login-errors.test.yml',
      'payments-api-authorisations.rules.yml',
      'payments-api-authorisations.test.yml',
    ]);
    expect(a.skipped).toEqual([]);
    const b = generateRules([...objects].reverse(), options);
    expect(b).toEqual(a);
    expect(a.combined).toContain('name: pave-slo:catalog-api-search\n');
    expect(a.combined.indexOf('pave-slo:catalog-api-search')).toBeLessThan(a.combined.indexOf('pave-slo:payments-api-authorisations'));
  });

  it("writes the engine's thresholds as exact decimals: 30 days, 28 days and 99.99%", () => {
    const objects = catalog();
    const thresholds = (slo: string) => [...rulesOf(objects, slo).text.matchAll(/ratio\w+\{[^}]*\} > ([0-9.e-]+)/g)].map((m) => m[1]);
    expect(thresholds('checkout-http-availability')).toEqual(['0.0144', '0.0144', '0.006', '0.006', '0.003', '0.003', '0.001', '0.001']);
    // 28 days: k = 13.44, 5.6, 2.8 and 0.9333…, times B = 0.01; the last does not terminate: the nearest double, as pave compares.
    expect(thresholds('checkout-http-latency')).toEqual(['0.1344', '0.1344', '0.056', '0.056', '0.028', '0.028', '0.009333333333333334', '0.009333333333333334']);
    expect(thresholds('identity-login-errors')).toEqual(['0.00144', '0.00144', '0.0006', '0.0006', '0.0003', '0.0003', '0.0001', '0.0001']);
    const identity = rulesOf(objects, 'identity-login-errors').text;
    expect(identity).toContain('expr: vector(0.9999)');
    expect(identity).toContain('expr: vector(0.0001)');
    for (const f of generateRules(objects, options).files) expect(f.content, f.name).not.toMatch(/\d\.\d*(0000000|9999999)\d/);
  });

  it('records errors, events and their ratio per burn window with the SLO label only, and the SLO window as a sum of 5-minute tiles', () => {
    const { groups } = rulesOf(catalog(), 'checkout-http-availability');
    const [main, window] = groups;
    expect(main!.name).toBe('pave-slo:checkout-http-availability');
    expect(main!.interval).toBeUndefined();
    const records = main!.rules.filter((r) => r.record).map((r) => r.record as string);
    expect(records.slice(0, 6)).toEqual([
      'pave:slo_info',
      'pave:slo_objective',
      'pave:slo_error_budget',
      'pave:slo_events:increase5m',
      'pave:slo_errors:increase5m',
      'pave:slo_error_ratio:ratio5m',
    ]);
    expect(records.filter((r) => r.startsWith('pave:slo_events:')).map((r) => r.split('increase')[1])).toEqual(['5m', '30m', '1h', '2h', '6h', '1d', '3d']);
    for (const r of main!.rules.filter((x) => x.record && x.record !== 'pave:slo_info')) expect(r.labels).toEqual({ slo: 'checkout-http-availability' });
    expect(main!.rules[0]).toEqual({
      record: 'pave:slo_info',
      expr: 'vector(1)',
      labels: { slo: 'checkout-http-availability', service: 'checkout', team: 'payments', objective: '99.9', window: '30d' },
    });
    const byName = new Map(main!.rules.map((r) => [r.record ?? '', r.expr as string]));
    expect(byName.get('pave:slo_events:increase1h')).toBe('sum(increase(http_requests_total{job="checkout"}[1h]))');
    expect(byName.get('pave:slo_errors:increase1h')).toBe(
      'clamp_min(sum(increase(http_requests_total{job="checkout"}[1h])) - (sum(increase(http_requests_total{job="checkout",code!~"5.."}[1h])) or vector(0)), 0)',
    );
    expect(byName.get('pave:slo_error_ratio:ratio1h')).toBe(
      'pave:slo_errors:increase1h{slo="checkout-http-availability"} / (pave:slo_events:increase1h{slo="checkout-http-availability"} > 0)',
    );
    expect(window!.interval).toBe('5m');
    expect(window!.rules.map((r) => [r.record, r.expr])).toEqual([
      ['pave:slo_events:increase30d', 'sum_over_time(pave:slo_events:increase5m{slo="checkout-http-availability"}[43199m59s999ms:5m])'],
      ['pave:slo_errors:increase30d', 'sum_over_time(pave:slo_errors:increase5m{slo="checkout-http-availability"}[43199m59s999ms:5m])'],
      ['pave:slo_error_ratio:ratio30d', 'pave:slo_errors:increase30d{slo="checkout-http-availability"} / (pave:slo_events:increase30d{slo="checkout-http-availability"} > 0)'],
      ['pave:slo_error_budget_remaining', '1 - pave:slo_error_ratio:ratio30d{slo="checkout-http-availability"} / 0.001'],
    ]);
  });

  it('alerts per tier with slo, service, team, severity and tier labels, budget context, runbook and a link to pave', () => {
    const { groups } = rulesOf(catalog(), 'checkout-http-availability');
    const alerts = groups[0]!.rules.filter((r) => r.alert);
    expect(alerts.map((a) => `${a.alert} ${a.labels.severity} ${a.labels.tier ?? ''}`)).toEqual([
      'SLOErrorBudgetBurn page 1h/5m',
      'SLOErrorBudgetBurn page 6h/30m',
      'SLOErrorBudgetBurn ticket 1d/2h',
      'SLOErrorBudgetBurn ticket 3d/6h',
      'SLONoData page ',
    ]);
    expect(alerts[0]).toEqual({
      alert: 'SLOErrorBudgetBurn',
      expr:
        '(\n  pave:slo_error_ratio:ratio1h{slo="checkout-http-availability"} > 0.0144\nand\n  pave:slo_error_ratio:ratio5m{slo="checkout-http-availability"} > 0.0144\n' +
        'and\n  pave:slo_events:increase1h{slo="checkout-http-availability"} >= 100\n) / 0.001',
      labels: { slo: 'checkout-http-availability', service: 'checkout', team: 'payments', severity: 'page', tier: '1h/5m' },
      annotations: {
        summary: 'checkout-http-availability: error budget burn rate above 14.4 over 1h and 5m (page)',
        description:
          "More than 1.44% of checkout's events failed over both the last 1h and 5m (objective 99.9% over 30d, error budget 0.1%). " +
          "At 14.4x, 2% of the 30d window's budget burns in 1h and all of it in 2d2h. Fires only when the last 1h holds at least 100 events.",
        runbook_url: 'https://runbooks.example.com/checkout',
        pave_url: 'http://pave.example.com/api/v1/slos/checkout-http-availability',
      },
    });
    // pave raises no-data after 30 silent minutes; the 5-minute recording outlives the data by 5, hence 25m.
    expect(alerts[4]!.expr).toBe('absent_over_time(pave:slo_events:increase5m{slo="checkout-http-availability"}[25m])');
    // The SLO's own runbook wins over the service's.
    expect(rulesOf(catalog(), 'identity-login-errors').groups[0]!.rules.find((r) => r.alert)!.annotations.runbook_url).toBe('https://runbooks.example.com/identity/logins');
  });

  it('says calendar windows cannot be PromQL ranges, and resolves budget shares for the shortest period', () => {
    const { text, groups } = rulesOf(catalog(), 'payments-api-authorisations');
    expect(groups.map((g) => g.name)).toEqual(['pave-slo:payments-api-authorisations']);
    expect(text).toContain('# The SLO window is a calendar month in Europe/Paris. PromQL range vectors are rolling and know no time zones,');
    expect(text).toContain('budget-share factors (k = b·P/L) use the shortest month, 28d');
    expect(groups[0]!.rules[0]!.labels).toMatchObject({ window: 'month', timezone: 'Europe/Paris' });
    // Fixed factors are the engine's whatever the month: 14.4 × 0.0005; the 5% budget share over 28 days: 5.6 × 0.0005.
    const exprs = groups[0]!.rules.filter((r) => r.alert === 'SLOErrorBudgetBurn').map((r) => r.expr as string);
    expect(exprs.map((e) => / > ([0-9.]+)\n/.exec(e)![1])).toEqual(['0.0072', '0.0028', '0.0005']);
    expect(exprs[0]).toContain('pave:slo_events:increase1h{slo="payments-api-authorisations"} >= 60');
  });

  it('skips what it cannot express, and refuses unknown names', () => {
    const extra = `${promqlSlo('sliced', '  objective: 99\n  window: { rolling: 7d }\n  budgeting: timeslices\n  timeslice: { threshold: 95 }')}${promqlSlo(
      'quiet',
      '  objective: 99\n  window: { rolling: 7d }\n  alerting: { enabled: false }',
    )}`;
    const objects = catalog(extra);
    const r = generateRules(objects, options);
    expect(r.skipped).toEqual([
      { slo: 'sliced', reason: 'it uses timeslices budgeting, which counts good and bad minutes; Prometheus rules count events (occurrences), so their alerts would not be pave\'s' },
    ]);
    const quiet = rulesOf(objects, 'quiet').groups[0]!.rules;
    expect(quiet.filter((x) => x.alert)).toEqual([]);
    expect(generateRules(objects, { ...options, only: ['checkout-latency'] }).skipped).toEqual([
      { slo: 'checkout-latency', reason: 'its indicator is not promql: pave evaluates it from its own ingest' },
    ]);
    expect(() => generateRules(objects, { ...options, only: ['nope'] })).toThrow(RulesError);
  });

  it('reads the window from the queries when it is no whole number of 5 minutes, and names tiles in whole days', () => {
    const objects = catalog(promqlSlo('odd', '  objective: 99\n  window: { rolling: 2d1m }'));
    const window = rulesOf(objects, 'odd').groups[1]!;
    expect(window.rules[0]).toEqual({ record: 'pave:slo_events:increase2d1m', expr: 'sum(increase(http_requests_total{job="checkout"}[2d1m]))', labels: { slo: 'odd' } });
    expect(rangeJustUnder(40_320)).toBe('40319m59s999ms');
  });
});

describe('promtool test inputs', () => {
  it('writes counters in expanding notation', () => {
    expect(expandingNotation([0, 10, 20, 20, 20, null, null, 5])).toBe('0+10x2 20x1 _x2 5');
    expect(expandingNotation([0, 0, 0])).toBe('0x2');
    expect(expandingNotation([null])).toBe('_');
  });

  it('finds label values that put good and bad events where each query counts them', () => {
    expect(
      syntheticSeries({
        dataSource: 'p',
        good: 'sum(increase(http_requests_total{job="checkout",code!~"5.."}[{{window}}]))',
        total: 'sum(increase(http_requests_total{job="checkout"}[{{window}}]))',
      }),
    ).toEqual([
      { name: 'http_requests_total', labels: { code: '200', job: 'checkout' }, perGood: 1, perBad: 0 },
      { name: 'http_requests_total', labels: { code: '500', job: 'checkout' }, perGood: 0, perBad: 1 },
    ]);
    // A histogram: a fast request is in the threshold's bucket and in the count, a slow one in the count only.
    expect(
      syntheticSeries({ dataSource: 'p', good: 'sum(increase(d_bucket{le="0.3"}[{{window}}]))', total: 'sum(increase(d_count[{{window}}]))' }),
    ).toEqual([
      { name: 'd_bucket', labels: { le: '0.3' }, perGood: 1, perBad: 0 },
      { name: 'd_count', labels: {}, perGood: 1, perBad: 1 },
    ]);
    expect(
      syntheticSeries({ dataSource: 'p', bad: 'sum(increase(logins_total{result=~"error|timeout"}[{{window}}]))', total: 'sum(increase(logins_total[{{window}}]))' }),
    ).toEqual([
      { name: 'logins_total', labels: { result: '200' }, perGood: 1, perBad: 0 },
      { name: 'logins_total', labels: { result: 'error' }, perGood: 0, perBad: 1 },
    ]);
    expect(syntheticSeries({ dataSource: 'p', good: 'sum(rate(a[{{window}}]))', total: 'sum(rate(b[{{window}}]))' })).toBeNull();
    expect(regexExamples('5..|4\\d\\d|(ab|cd)e+|[xy]z?')).toEqual(['500', '400', 'abe', 'x']);
  });

  it('falls back to a silence-only test, and says so, for PromQL it cannot model', () => {
    const objects = catalog(`apiVersion: pave/v1
kind: SLO
metadata: { name: opaque }
spec:
  service: checkout
  indicator:
    promql:
      dataSource: prometheus-main
      good: sum(rate(http_requests_total{code!~"5.."}[{{window}}])) * 60
      total: sum(rate(http_requests_total[{{window}}])) * 60
  objective: 99
  window: { rolling: 7d }
`);
    const r = generateRules(objects, options);
    expect(r.notes.filter((n) => n.slo === 'opaque').map((n) => n.note)).toEqual([
      'pave could not derive input series from the PromQL (it models sums of increase(selector[{{window}}]) only), so this file only tests that nothing burns without data; add scenarios with your own input_series.',
    ]);
    const tests = parse(r.files.find((f) => f.name === 'opaque.test.yml')!.content);
    expect(tests.tests.map((t: { name: string }) => t.name)).toEqual(['no input: no burn-rate alert fires, and SLONoData does']);
  });
});
