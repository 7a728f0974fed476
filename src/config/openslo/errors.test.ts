import { describe, expect, it } from 'vitest';
import type { ConfigIssue } from '../source.js';
import { formatIssue, validateCatalogFiles } from '../validate.js';
import { teamAndService } from '../test-catalog.js';

const base = teamAndService;

function validate(content: string) {
  const v = validateCatalogFiles([{ name: 'oslo.yaml', content: base + content }]);
  const issues = v.issues;
  return { issues, slos: v.objects.filter((o) => o.object.kind === 'SLO'), declared: v.declared };
}

const where = (i: ConfigIssue) => `${i.line}:${i.column} ${i.path} ${i.code}`;

const sliDoc = (name: string, body: string) => `apiVersion: openslo/v1\nkind: SLI\nmetadata: { name: ${name} }\nspec:\n${body}`;
const ratio = `  ratioMetric:
    good: { metricSource: { spec: { series: req, match: { code: "!5xx" } } } }
    total: { metricSource: { spec: { series: req } } }
`;

describe('OpenSLO errors point at the OpenSLO field and name what was expected', () => {
  it('an indicatorRef that names no SLI of the apply', () => {
    const { issues, slos } = validate(`apiVersion: openslo/v1
kind: SLO
metadata: { name: checkout-availability }
spec:
  service: checkout
  indicatorRef: checkout-requests
  timeWindow: [ { duration: 30d, isRolling: true } ]
  budgetingMethod: Occurrences
  objectives: [ { target: 0.999 } ]
`);
    expect(slos).toEqual([]);
    expect(issues.map(where)).toEqual(['16:17 spec.indicatorRef unknown_reference']);
    expect(formatIssue(issues[0]!)).toBe(
      'oslo.yaml:16:17: error: spec.indicatorRef: SLO/checkout-availability refers to SLI "checkout-requests", which is not in this apply: ' +
        'pave does not store OpenSLO SLI documents, so apply the SLI together with the documents that use it ' +
        '(expected the name of an OpenSLO SLI document in the same apply, found "checkout-requests")',
    );
    expect(issues[0]).toMatchObject({ kind: 'SLO', name: 'checkout-availability' });
  });

  it('alert policy and condition references that name nothing', () => {
    const { issues } = validate(`apiVersion: openslo/v1
kind: SLO
metadata: { name: a }
spec:
  service: checkout
  indicator: { spec: { ratioMetric: { good: { metricSource: { spec: { series: r } } }, total: { metricSource: { spec: { series: r } } } } } }
  timeWindow: [ { duration: 30d } ]
  budgetingMethod: Occurrences
  objectives: [ { target: 0.999 } ]
  alertPolicies:
    - no-such-policy
    - alertPolicyRef: nor-this
    - kind: AlertPolicy
      metadata: { name: nor-that }
    - spec: { conditions: [ { conditionRef: no-condition } ] }
---
apiVersion: openslo/v1
kind: AlertPolicy
metadata: { name: p }
spec:
  conditions:
    - conditionRef: missing-condition
`);
    expect(issues.map(where)).toEqual([
      '21:7 spec.alertPolicies[0] unknown_reference',
      '22:23 spec.alertPolicies[1].alertPolicyRef unknown_reference',
      '24:25 spec.alertPolicies[2].metadata.name unknown_reference',
      '25:45 spec.alertPolicies[3].spec.conditions[0].conditionRef unknown_reference',
      '32:21 spec.conditions[0].conditionRef unknown_reference',
    ]);
    expect(issues[0]!.message).toBe(
      'SLO/a refers to AlertPolicy "no-such-policy", which is not in this apply: pave does not store OpenSLO AlertPolicy documents, so apply the AlertPolicy together with the documents that use it',
    );
    expect(issues[4]).toMatchObject({ kind: 'AlertPolicy', name: 'p', expected: 'the name of an OpenSLO AlertCondition document in the same apply' });
  });

  it('two objectives: pave SLOs have one', () => {
    const { issues, slos } = validate(`${sliDoc('req', ratio)}---
apiVersion: openslo/v1
kind: SLO
metadata: { name: two }
spec:
  service: checkout
  indicatorRef: req
  timeWindow: [ { duration: 28d } ]
  budgetingMethod: Occurrences
  objectives:
    - { displayName: Most, target: 0.99 }
    - { displayName: Nearly all, target: 0.999 }
`);
    expect(slos).toEqual([]);
    expect(issues.map(where)).toEqual(['29:7 spec.objectives[1] too_big']);
    expect(formatIssue(issues[0]!)).toBe(
      'oslo.yaml:29:7: error: spec.objectives[1]: pave SLOs have one objective each: split this SLO into 2 SLOs, one per objective (expected one objective, found a map)',
    );
  });

  it('a Prometheus source without its DataSource, a pave series under a DataSource reference and a bad series, in an SLI document and inline', () => {
    const { issues, slos } = validate(`${sliDoc(
      'prom',
      `  ratioMetric:
    counter: true
    good:
      metricSource:
        type: Prometheus
        spec: { query: 'sum(rate(http_requests_total{code!~"5.."}[5m]))' }
    total:
      metricSource:
        metricSourceRef: thanos
        spec: { series: http_requests_total }
`,
    )}---
apiVersion: openslo/v1
kind: SLO
metadata: { name: inline }
spec:
  service: checkout
  indicator:
    spec:
      thresholdMetric: { metricSource: { type: pave, spec: { series: "request duration", matches: {} } } }
  timeWindow: [ { duration: 28d } ]
  budgetingMethod: Occurrences
  objectives: [ { op: lte, value: 0.3, target: 0.99 } ]
`);
    expect(slos).toEqual([]);
    expect(issues.map(where)).toEqual([
      '19:9 spec.ratioMetric.good.metricSource.metricSourceRef missing_field',
      '23:26 spec.ratioMetric.total.metricSource.metricSourceRef unsupported',
      '33:70 spec.indicator.spec.thresholdMetric.metricSource.spec.series invalid_format',
      '33:90 spec.indicator.spec.thresholdMetric.metricSource.spec.matches unknown_field',
    ]);
    expect(formatIssue(issues[0]!)).toBe(
      'oslo.yaml:19:9: error: spec.ratioMetric.good.metricSource.metricSourceRef: a Prometheus metric source names the DataSource to query ' +
        '(expected metricSourceRef: the name of a DataSource, found nothing)',
    );
    expect(issues[1]!.message).toBe(
      'a metric source with a metricSourceRef and no type reads that DataSource (Prometheus) with spec {query}; a pave series takes type pave and no metricSourceRef',
    );
    expect(issues[0]).toMatchObject({ kind: 'SLI', name: 'prom' });
    expect(issues[2]!.expected).toBe('a series name of letters, digits, _ and : (like a Prometheus metric name)');
  });

  it('an SLO whose referenced SLI is invalid waits for it: only the SLI is reported', () => {
    const { issues, slos, declared } = validate(`${sliDoc('prom', '  thresholdMetric: { metricSource: { type: Prometheus, spec: { query: x } } }\n')}---
apiVersion: openslo/v1
kind: SLO
metadata: { name: waits }
spec:
  service: checkout
  indicatorRef: prom
  timeWindow: [ { duration: 28d } ]
  budgetingMethod: Occurrences
  objectives: [ { op: lte, value: 0.3, target: 0.99 } ]
`);
    expect(slos).toEqual([]);
    expect(issues.map(where)).toEqual(['15:36 spec.thresholdMetric.metricSource unsupported']);
    // Declared, so that an SLA of the same apply naming it is not also "unknown".
    expect(declared.has('SLO/waits')).toBe(true);
  });

  it('calendar durations other than 1w, 1M, 1Q and 1Y, and a rolling window of months', () => {
    const sloWith = (name: string, window: string) => `apiVersion: openslo/v1
kind: SLO
metadata: { name: ${name} }
spec:
  service: checkout
  indicatorRef: req
  timeWindow: [ ${window} ]
  budgetingMethod: Occurrences
  objectives: [ { target: 0.99 } ]
---
`;
    const { issues } = validate(
      sloWith('two-weeks', '{ duration: 2w, isRolling: false, calendar: { startTime: "2026-01-05 00:00:00", timeZone: UTC } }') +
        sloWith('a-day', '{ duration: 1d, calendar: { timeZone: UTC } }') +
        sloWith('rolling-month', '{ duration: 1M, isRolling: true }') +
        sloWith('no-calendar', '{ duration: 1M, isRolling: false }') +
        sloWith('mars', '{ duration: 1M, calendar: { timeZone: Mars/Olympus } }') +
        sliDoc('req', ratio),
    );
    expect(issues.map(where)).toEqual([
      '17:29 spec.timeWindow[0].duration invalid_value',
      '27:29 spec.timeWindow[0].duration invalid_value',
      '37:29 spec.timeWindow[0].duration invalid_value',
      '47:17 spec.timeWindow[0] missing_field',
      '57:55 spec.timeWindow[0].calendar.timeZone custom',
    ]);
    expect(formatIssue(issues[0]!)).toBe(
      'oslo.yaml:17:29: error: spec.timeWindow[0].duration: a calendar window is one calendar week, month, quarter or year (expected 1w, 1M, 1Q or 1Y, found string "2w")',
    );
    expect(issues[2]).toMatchObject({
      message: 'a rolling window needs a fixed length: months, quarters and years vary',
      expected: 'a duration in minutes, hours, days or weeks, e.g. 30d, 28d or 4w',
    });
  });

  it('objective rules: target or targetPercent, op and value by kind of SLI, and the budgeting method', () => {
    const sloWith = (name: string, sli: string, method: string, objective: string) => `apiVersion: openslo/v1
kind: SLO
metadata: { name: ${name} }
spec:
  service: checkout
  indicatorRef: ${sli}
  timeWindow: [ { duration: 28d } ]
  budgetingMethod: ${method}
  objectives: [ ${objective} ]
---
`;
    const { issues } = validate(
      sloWith('both', 'req', 'Occurrences', '{ target: 0.99, targetPercent: 99 }') +
        sloWith('neither', 'req', 'Occurrences', '{ displayName: none }') +
        sloWith('value', 'req', 'Occurrences', '{ op: lte, value: 0.3, target: 0.99 }') +
        sloWith('above', 'lat', 'Occurrences', '{ op: gt, value: 0.3, target: 0.99 }') +
        sloWith('no-op', 'lat', 'Occurrences', '{ target: 0.99 }') +
        sloWith('slices', 'req', 'Timeslices', '{ target: 0.99 }') +
        sloWith('no-slices', 'req', 'Occurrences', '{ target: 0.99, timeSliceWindow: 5m }') +
        sloWith('composite', 'req', 'Occurrences', '{ target: 0.99, indicatorRef: other }') +
        sliDoc('req', ratio) +
        `---\n${sliDoc('lat', '  thresholdMetric: { metricSource: { spec: { series: lat_seconds } } }\n')}`,
    );
    expect(issues.map((i) => `${where(i)}: ${i.message}`)).toEqual([
      '19:48 spec.objectives[0].targetPercent invalid_value: give target or targetPercent, not both',
      '29:17 spec.objectives[0] missing_field: an objective needs a target',
      '39:35 spec.objectives[0].value invalid_value: value applies only to an SLI with a thresholdMetric; this SLI has a ratioMetric',
      '49:23 spec.objectives[0].op unsupported: pave latency indicators count the requests at or under a threshold',
      '59:17 spec.objectives[0].op missing_field: a thresholdMetric objective needs op and value: the share of requests at or under value seconds',
      '59:17 spec.objectives[0].value missing_field: a thresholdMetric objective needs value: the latency threshold',
      '69:17 spec.objectives[0] missing_field: Timeslices budgeting needs timeSliceTarget: the share of good events that makes a slice good',
      '79:50 spec.objectives[0].timeSliceWindow invalid_value: timeSliceWindow applies only to Timeslices and RatioTimeslices budgeting',
      '89:47 spec.objectives[0].indicatorRef unsupported: composite OpenSLO SLOs (objectives with their own indicators) are not supported: write a pave composite SLO',
    ]);
    expect(issues[1]!.expected).toBe('target (a fraction such as 0.999) or targetPercent (such as 99.9)');
    expect(issues[3]!.expected).toBe('lte or lt');
  });

  it('alert policy rules: one condition, burn rate above a threshold, a fixed lookback window', () => {
    const { issues } = validate(`apiVersion: openslo/v1
kind: AlertPolicy
metadata: { name: two-conditions }
spec:
  conditions:
    - spec: { severity: page, condition: { threshold: 14.4, lookbackWindow: 1h } }
    - spec: { severity: page, condition: { threshold: 14.4, lookbackWindow: 5m } }
---
apiVersion: openslo/v1
kind: AlertCondition
metadata: { name: odd }
spec:
  severity: page
  condition: { kind: budget, op: lt, threshold: 2, lookbackWindow: 1M }
`);
    expect(issues.map((i) => `${where(i)}: ${i.message}`)).toEqual([
      '17:7 spec.conditions[1] too_big: OpenSLO v1 allows one condition per AlertPolicy: give each burn-rate tier its own AlertPolicy',
      '24:22 spec.condition.kind invalid_value: only burn-rate conditions are supported (the only kind OpenSLO v1 defines)',
      '24:34 spec.condition.op unsupported: a burn-rate tier alerts when the burn rate rises above its threshold',
      '24:68 spec.condition.lookbackWindow invalid_value: a lookback window needs a fixed length: months, quarters and years vary',
    ]);
  });

  it('errors of the converted SLO point at the OpenSLO field they came from', () => {
    const { issues } = validate(`apiVersion: openslo/v1
kind: SLO
metadata: { name: derived }
spec:
  service: checkout-svc
  indicator: { spec: { ratioMetric: { good: { metricSource: { spec: { series: r } } }, total: { metricSource: { spec: { series: r } } } } } }
  timeWindow: [ { duration: 30d } ]
  budgetingMethod: Occurrences
  objectives: [ { targetPercent: 99.99999999 } ]
---
apiVersion: openslo/v1
kind: SLO
metadata: { name: never-fires }
spec:
  service: checkout
  indicator: { spec: { ratioMetric: { good: { metricSource: { spec: { series: r } } }, total: { metricSource: { spec: { series: r } } } } } }
  timeWindow: [ { duration: 30d } ]
  budgetingMethod: Occurrences
  objectives: [ { target: 0.9 } ]
  alertPolicies: [ huge ]
---
apiVersion: openslo/v1
kind: AlertPolicy
metadata: { name: huge }
spec:
  conditions: [ { spec: { severity: page, condition: { threshold: 14.4, lookbackWindow: 1h } } } ]
`);
    // pave's objective is the targetPercent written; the tiers are the alertPolicies list (here a reference).
    expect(issues.map(where)).toEqual(['19:34 spec.objective custom', '30:18 spec.alerting.tiers invalid_object']);
    expect(issues[0]!.message).toBe('at most 6 decimal places, e.g. 99.95 (derived from the OpenSLO document: see docs/config/openslo.md)');
    expect(issues[1]!.message).toBe(
      'tiers[0] (page 1h/5m): can never fire: factor 14.4 × budget 0.1 = 1.44 ≥ 1, and an error ratio cannot exceed 1 (lower the factor, or raise the objective above 90%)',
    );
    // The service is checked once the document is valid.
    const unknown = validate(`apiVersion: openslo/v1
kind: SLO
metadata: { name: orphan }
spec:
  service: checkout-svc
  indicator: { spec: { ratioMetric: { good: { metricSource: { spec: { series: r } } }, total: { metricSource: { spec: { series: r } } } } } }
  timeWindow: [ { duration: 30d } ]
  budgetingMethod: Occurrences
  objectives: [ { target: 0.999 } ]
`);
    expect(unknown.issues.map(where)).toEqual(['15:12 spec.service unknown_reference']);
  });

  it('a second SLI of the same name, and OpenSLO kinds pave does not read', () => {
    const { issues } = validate(`${sliDoc('req', ratio)}---
${sliDoc('req', ratio)}---
apiVersion: openslo/v1
kind: AlertNotificationTarget
metadata: { name: on-call }
spec: { target: slack }
`);
    expect(issues.map(where)).toEqual(['13:19 metadata.name unused', '21:19 metadata.name duplicate', '28:7 kind unknown_kind']);
    const kind = issues.find((i) => i.code === 'unknown_kind')!;
    expect(formatIssue(kind)).toBe(
      'oslo.yaml:28:7: error: kind: OpenSLO kind AlertNotificationTarget is not supported yet (expected one of Service, DataSource, SLO, SLI, AlertPolicy, AlertCondition, found string "AlertNotificationTarget")',
    );
    expect(issues.find((i) => i.code === 'duplicate')!.message).toBe('SLI/req is declared twice; first at oslo.yaml:11:1');
  });
});
