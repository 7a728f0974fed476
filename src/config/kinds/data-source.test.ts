import { describe, expect, it } from 'vitest';
import type { ConfigIssue } from '../source.js';
import { formatIssue, validateCatalogFiles } from '../validate.js';
import { dataSourceConnection, dataSourceSpec, parseTimeout } from './data-source.js';
import { teamAndService } from '../test-catalog.js';

const base = teamAndService;

function validate(content: string) {
  const v = validateCatalogFiles([{ name: 'ds.yaml', content: base + content }]);
  return { issues: v.issues, objects: v.objects.map((o) => o.object) };
}

const where = (i: ConfigIssue) => `${i.line}:${i.column} ${i.path} ${i.code}`;

const prometheusMain = `apiVersion: pave/v1
kind: DataSource
metadata: { name: prometheus-main }
spec:
  type: prometheus
  owner: payments
  url: http://127.0.0.1:9090
  headers: { X-Scope-OrgID: team-a }
  headersFromEnv: { Authorization: PAVE_PROM_AUTH }
---
`;

const promqlSlo = (indicator: string, name = 'checkout-availability') => `apiVersion: pave/v1
kind: SLO
metadata: { name: ${name} }
spec:
  service: checkout
  indicator:
    promql:
${indicator}
  objective: 99.9
  window: { rolling: 30d }
`;

describe('DataSource', () => {
  it('accepts a Prometheus data source and fills in the defaults', () => {
    const { issues, objects } = validate(prometheusMain);
    expect(issues).toEqual([]);
    expect(objects.find((o) => o.kind === 'DataSource')!.spec).toEqual({
      type: 'prometheus',
      owner: 'payments',
      url: 'http://127.0.0.1:9090',
      headers: { 'X-Scope-OrgID': 'team-a' },
      headersFromEnv: { Authorization: 'PAVE_PROM_AUTH' },
      timeout: '10s',
    });
  });

  it('reads header values from the environment when connecting, and names the unset variables', () => {
    const spec = dataSourceSpec.parse({ type: 'prometheus', url: 'http://mimir:8080/prometheus/', headers: { 'X-Scope-OrgID': 'a' }, headersFromEnv: { Authorization: 'AUTH', 'X-Key': 'KEY' }, timeout: '1m' });
    expect(dataSourceConnection(spec, { AUTH: 'Bearer s3cret', KEY: '' })).toEqual({
      connection: { url: 'http://mimir:8080/prometheus', headers: { 'X-Scope-OrgID': 'a', Authorization: 'Bearer s3cret' }, timeoutMs: 60_000 },
      missing: ['KEY'],
    });
    expect(parseTimeout('500ms')).toBe(500);
    expect(parseTimeout('10s')).toBe(10_000);
    expect(parseTimeout('10')).toBeNaN();
  });

  it('keeps credentials out of the catalog and names every problem with its field', () => {
    const { issues } = validate(`apiVersion: pave/v1
kind: DataSource
metadata: { name: thanos }
spec:
  type: thanos
  url: https://user:pw@thanos.example.com
  timeout: 10
---
apiVersion: pave/v1
kind: DataSource
metadata: { name: mimir }
spec:
  type: prometheus
  url: https://mimir.example.com/prometheus?x=1
  timeout: 10m
  headersFromEnv: { X-Token: "1abc" }
---
apiVersion: pave/v1
kind: DataSource
metadata: { name: vm }
spec:
  type: prometheus
  owner: nobody
  url: http://vm:8428
  headers: { Authorization: "Bearer abc", x-scope-orgid: a, X-Api-Key: k, Host: vm }
  headersFromEnv: { X-Scope-OrgID: ORG }
`);
    expect(issues.map(where)).toEqual([
      '15:9 spec.type custom',
      '16:8 spec.url custom',
      '17:12 spec.timeout invalid_type',
      '24:8 spec.url custom',
      '25:12 spec.timeout custom',
      '26:30 spec.headersFromEnv.X-Token invalid_format',
      '33:10 spec.owner unknown_reference',
      '35:29 spec.headers.Authorization invalid_object',
      '35:72 spec.headers.X-Api-Key invalid_object',
      '35:81 spec.headers.Host invalid_object',
      '36:36 spec.headersFromEnv.X-Scope-OrgID invalid_object',
    ]);
    const text = issues.map(formatIssue);
    expect(text[0]).toBe(
      'ds.yaml:15:9: error: spec.type: type prometheus: Prometheus, or anything speaking its HTTP API (Thanos, Mimir, VictoriaMetrics) (found string "thanos")',
    );
    expect(text[1]).toContain('a URL without user or password: credentials are stored and shown with the catalog; send them with headersFromEnv');
    expect(text[3]).toContain('a base URL without query or fragment');
    expect(text[4]).toContain('a timeout from 100ms to 5m');
    expect(text[7]).toBe(
      'ds.yaml:35:29: error: spec.headers.Authorization: Authorization carries credentials, and plain header values are stored, shown by the API and audited: read it from the environment with headersFromEnv: { Authorization: SOME_VARIABLE }',
    );
    expect(issues[8]!.severity).toBe('warning');
    expect(text[9]).toBe("ds.yaml:35:81: error: spec.headers.Host: Host is set by pave's HTTP client; leave it out");
    expect(text[10]).toBe(
      'ds.yaml:36:36: error: spec.headersFromEnv.X-Scope-OrgID: header X-Scope-OrgID is also given as headers.x-scope-orgid: give each header once (header names ignore case)',
    );
  });
});

describe('SLO promql indicator', () => {
  it('accepts good or bad and total over {{window}} from a declared DataSource', () => {
    const { issues, objects } = validate(
      prometheusMain +
        promqlSlo(`      dataSource: prometheus-main
      good: sum(increase(http_requests_total{job="checkout",code!~"5.."}[{{window}}]))
      total: sum(increase(http_requests_total{job="checkout"}[{{window}}]))`),
    );
    expect(issues).toEqual([]);
    expect(objects.find((o) => o.kind === 'SLO')!.spec.indicator).toEqual({
      promql: {
        dataSource: 'prometheus-main',
        good: 'sum(increase(http_requests_total{job="checkout",code!~"5.."}[{{window}}]))',
        total: 'sum(increase(http_requests_total{job="checkout"}[{{window}}]))',
      },
    });
  });

  it('names the field without {{window}}, Sloth spellings, both numerators and an unknown DataSource', () => {
    const { issues } = validate(
      prometheusMain +
        promqlSlo(`      dataSource: prometheus-main
      bad: sum(increase(http_requests_total{code=~"5.."}[5m]))
      total: sum(rate(http_requests_total[{{.window}}]))`) +
        '---\n' +
        promqlSlo(
          `      dataSource: prom
      good: sum(increase(a[{{window}}]))
      bad: sum(increase(b[{{window}}]))
      total: sum(increase(c[{{window}}]))`,
          'other',
        ),
    );
    expect(issues.map(where)).toEqual(['29:12 spec.indicator.promql.bad custom', '30:14 spec.indicator.promql.total custom', '42:13 spec.indicator.promql.good custom']);
    expect(formatIssue(issues[0]!)).toBe(
      'ds.yaml:29:12: error: spec.indicator.promql.bad: the expression must count the events over the window {{window}}, e.g. sum(increase(http_requests_total{code!~"5.."}[{{window}}])); it has no {{window}} (found string "sum(increase(http_requests_total{code=~\\"5..\\"}[5m]))")',
    );
    expect(issues[1]!.message).toBe("{{.window}} is Sloth's spelling: pave writes the window as {{window}}, e.g. increase(http_requests_total[{{window}}])");
    expect(issues[2]!.message).toBe('give exactly one of good or bad');
    // The reference is checked once the document is valid.
    const unknown = validate(promqlSlo(`      dataSource: prom\n      good: sum(increase(a[{{window}}]))\n      total: sum(increase(c[{{window}}]))`));
    expect(unknown.issues.map(formatIssue)).toEqual([
      'ds.yaml:18:19: error: spec.indicator.promql.dataSource: SLO/checkout-availability refers to DataSource "prom", which does not exist (expected the name of an existing DataSource, found "prom")',
    ]);
  });

  it('warns about rate(), which counts per second', () => {
    const { issues } = validate(prometheusMain + promqlSlo(`      dataSource: prometheus-main\n      good: sum(rate(a[{{window}}]))\n      total: sum(increase(c[{{window}}]))`));
    expect(issues.map((i) => `${i.severity} ${i.path}`)).toEqual(['warning spec.indicator.promql.good']);
    expect(issues[0]!.message).toContain('use increase()');
  });
});

describe('OpenSLO DataSource and Prometheus metric sources', () => {
  const dataSourceDoc = `apiVersion: openslo/v1
kind: DataSource
metadata: { name: prometheus-main, labels: { team: payments } }
spec:
  type: Prometheus
  connectionDetails: { url: "http://prometheus:9090", headersFromEnv: { Authorization: PROM_AUTH } }
---
`;
  const sli = (good: string, total = 'sum(increase(http_requests_total{job="checkout"}[{{window}}]))', ref = 'prometheus-main') => `apiVersion: openslo/v1
kind: SLO
metadata: { name: checkout-availability }
spec:
  service: checkout
  indicator:
    spec:
      ratioMetric:
        counter: true
        good: { metricSource: { type: Prometheus, metricSourceRef: prometheus-main, spec: { query: '${good}' } } }
        total: { metricSource: { metricSourceRef: ${ref}, spec: { query: '${total}' } } }
  timeWindow: [ { duration: 28d, isRolling: true } ]
  budgetingMethod: Occurrences
  objectives: [ { target: 0.999 } ]
`;

  it('become a pave DataSource and a promql indicator', () => {
    const { issues, objects } = validate(dataSourceDoc + sli('sum(increase(http_requests_total{job="checkout",code!~"5.."}[{{window}}]))'));
    expect(issues).toEqual([]);
    expect(objects.find((o) => o.kind === 'DataSource')).toMatchObject({
      metadata: { name: 'prometheus-main', labels: { team: 'payments' }, annotations: { 'pave.dev/source': 'openslo/v1' } },
      spec: { type: 'prometheus', owner: 'payments', url: 'http://prometheus:9090', headersFromEnv: { Authorization: 'PROM_AUTH' }, headers: {}, timeout: '10s' },
    });
    expect(objects.find((o) => o.kind === 'SLO')!.spec).toMatchObject({
      indicator: {
        promql: {
          dataSource: 'prometheus-main',
          good: 'sum(increase(http_requests_total{job="checkout",code!~"5.."}[{{window}}]))',
          total: 'sum(increase(http_requests_total{job="checkout"}[{{window}}]))',
        },
      },
      objective: 99.9,
      window: { rolling: '28d' },
    });
  });

  it('report a query without {{window}}, a second DataSource and an unsupported type at the OpenSLO field', () => {
    const bad = validate(dataSourceDoc + sli('sum(increase(http_requests_total{code!~"5.."}[5m]))'));
    expect(bad.issues.map(where)).toEqual(['27:100 spec.indicator.promql.good custom']);
    expect(bad.issues[0]!.message).toContain('it has no {{window}} (derived from the OpenSLO document: see docs/config/openslo.md)');

    const two = validate(dataSourceDoc + sli('sum(increase(a[{{window}}]))', 'sum(increase(b[{{window}}]))', 'thanos'));
    expect(two.issues.map(formatIssue)).toEqual([
      'ds.yaml:27:68: error: spec.indicator.spec.ratioMetric.good.metricSource.metricSourceRef: good reads DataSource prometheus-main and total reads thanos: pave reads both counts from one DataSource (expected metricSourceRef: thanos, found string "prometheus-main")',
    ]);

    const datadog = validate(`apiVersion: openslo/v1
kind: DataSource
metadata: { name: dd }
spec: { type: Datadog, connectionDetails: { apiKey: x } }
---
apiVersion: openslo/v1
kind: DataSource
metadata: { name: prom }
spec: { type: prometheus, connectionDetails: { url: "http://p:9090", token: abc } }
`);
    expect(datadog.issues.map(where)).toEqual(['14:15 spec.type custom', '19:70 spec.connectionDetails.token unknown_field']);
    expect(datadog.issues[0]!.message).toBe('data source type Datadog is not supported: pave reads Prometheus and what speaks its HTTP API (Thanos, Mimir, VictoriaMetrics)');
  });

  it('refuse a Prometheus thresholdMetric and a Prometheus source without a DataSource', () => {
    const { issues } = validate(`apiVersion: openslo/v1
kind: SLI
metadata: { name: latency }
spec:
  thresholdMetric: { metricSource: { type: Prometheus, metricSourceRef: p, spec: { query: x } } }
---
apiVersion: openslo/v1
kind: SLI
metadata: { name: ratio }
spec:
  ratioMetric:
    good: { metricSource: { type: Prometheus, spec: { query: 'sum(increase(a[{{window}}]))' } } }
    total: { metricSource: { type: pave, spec: { series: requests } } }
`);
    expect(issues.map(where)).toEqual([
      '15:36 spec.thresholdMetric.metricSource unsupported',
      '22:27 spec.ratioMetric.good.metricSource invalid_value',
      '22:27 spec.ratioMetric.good.metricSource.metricSourceRef missing_field',
    ]);
    expect(issues[0]!.message).toContain('write a ratioMetric whose good query counts the histogram bucket at the threshold');
    expect(issues[1]!.message).toBe('good and total read different kinds of source: both Prometheus, or both pave series');
    expect(issues[2]!.message).toBe('a Prometheus metric source names the DataSource to query');
  });
});
