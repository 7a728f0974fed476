import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ConfigIssue } from '../source.js';
import { formatIssue, validateCatalogFiles } from '../validate.js';
import { timesHundred } from './common.js';

/** A team and a service; 10 lines, so the next document starts on line 11. */
const base = `apiVersion: pave/v1
kind: Team
metadata: { name: payments }
spec: {}
---
apiVersion: pave/v1
kind: Service
metadata: { name: checkout }
spec: { owner: payments }
---
`;

function validate(...contents: string[]) {
  const v = validateCatalogFiles(contents.map((content, i) => ({ name: `${'abc'[i] ?? 'z'}.yaml`, content })));
  const issues = v.issues;
  const slos = v.objects.filter((o) => o.object.kind === 'SLO').map((o) => o.object);
  return { ...v, issues, slos, errors: issues.filter((i) => i.severity === 'error'), warnings: issues.filter((i) => i.severity === 'warning') };
}

const at = (i: ConfigIssue) => `${i.file}:${i.line}:${i.column} ${i.path} ${i.code}`;

/** An OpenSLO SLO document; `spec` is its spec's YAML body, indented by two spaces. */
const slo = (name: string, spec: string) => `apiVersion: openslo/v1\nkind: SLO\nmetadata: { name: ${name} }\nspec:\n  service: checkout\n${spec}`;
const ratioSli = `  indicator:
    metadata: { name: checkout-requests }
    spec:
      ratioMetric:
        good: { metricSource: { type: pave, spec: { series: checkout_requests, match: { code: "!5xx" } } } }
        total: { metricSource: { type: pave, spec: { series: checkout_requests } } }
`;

describe('OpenSLO v1 SLO → pave SLO', () => {
  it('converts an SLO with an inline SLI, a rolling window and a target', () => {
    const { issues, slos, objects } = validate(`${base}apiVersion: openslo/v1
kind: SLO
metadata:
  name: checkout-availability
  displayName: Checkout availability
  labels: { team: payments, region: [eu, us] }
  annotations: { example.com/dashboard: checkout }
spec:
  service: checkout
  description: Checkout requests succeed.
${ratioSli}  timeWindow:
    - duration: 30d
      isRolling: true
  budgetingMethod: Occurrences
  objectives:
    - displayName: Good requests
      target: 0.999
`);
    expect(issues).toEqual([]);
    expect(objects.map((o) => o.object.kind)).toEqual(['Team', 'Service', 'SLO']);
    expect(slos[0]).toEqual({
      apiVersion: 'pave/v1',
      kind: 'SLO',
      metadata: {
        name: 'checkout-availability',
        displayName: 'Checkout availability',
        labels: { team: 'payments', region: 'eu,us' },
        annotations: { 'example.com/dashboard': 'checkout', 'pave.dev/source': 'openslo/v1' },
      },
      spec: {
        service: 'checkout',
        description: 'Checkout requests succeed.',
        indicator: {
          ratio: { source: 'builtin', good: { series: 'checkout_requests', match: { code: '!5xx' } }, total: { series: 'checkout_requests' } },
        },
        objective: 99.9,
        window: { rolling: '30d' },
        budgeting: 'occurrences',
        noData: { slices: 'ignore', alertAfter: '30m' },
        alerting: { enabled: true, tiers: 'default', minEvents: 0 },
        budgetWarning: 25,
      },
    });
  });

  it('resolves indicatorRef to an SLI document of the same apply, in any file and order, and consumes the SLI', () => {
    const { issues, slos, objects } = validate(
      `${base}${slo('checkout-errors', `  indicatorRef: checkout-errors
  timeWindow: [ { duration: 4w } ]
  budgetingMethod: Occurrences
  objectives: [ { targetPercent: 99.5 } ]
`)}`,
      `apiVersion: openslo/v1
kind: SLI
metadata: { name: checkout-errors }
spec:
  ratioMetric:
    counter: true
    bad: { metricSource: { spec: { series: checkout_requests, match: { code: 5xx } } } }
    total: { metricSource: { type: builtin, spec: { series: checkout_requests } } }
`,
    );
    expect(issues).toEqual([]);
    expect(objects.map((o) => o.object.kind)).toEqual(['Team', 'Service', 'SLO']);
    expect(slos[0]!.spec).toMatchObject({
      indicator: { ratio: { bad: { series: 'checkout_requests', match: { code: '5xx' } }, total: { series: 'checkout_requests' } } },
      objective: 99.5,
      window: { rolling: '4w' },
    });
  });

  it('reads calendar windows of a week, a month, a quarter and a year in their time zone', () => {
    const cases = [
      ['1w', 'week', '2026-01-05 00:00:00'],
      ['1M', 'month', '2026-01-01 00:00:00'],
      ['1Q', 'quarter', '2026-04-01'],
      ['1Y', 'year', '2026-01-01T00:00:00'],
    ] as const;
    for (const [duration, calendar, startTime] of cases) {
      const { issues, slos } = validate(
        base +
          slo(
            'cal',
            `${ratioSli}  timeWindow:
    - duration: ${duration}
      isRolling: false
      calendar: { startTime: "${startTime}", timeZone: America/New_York }
  budgetingMethod: Occurrences
  objectives: [ { target: 0.999 } ]
`,
          ),
      );
      expect(issues).toEqual([]);
      expect(slos[0]!.spec.window).toEqual({ calendar, timezone: 'America/New_York' });
    }
    // isRolling may be left out when a calendar is given; the zone defaults to UTC.
    const { issues, slos } = validate(base + slo('cal', `${ratioSli}  timeWindow: [ { duration: 1M, calendar: {} } ]\n  budgetingMethod: Occurrences\n  objectives: [ { target: 0.99 } ]\n`));
    expect(issues).toEqual([]);
    expect(slos[0]!.spec.window).toEqual({ calendar: 'month', timezone: 'UTC' });
  });

  it('maps each budgeting method, with timeSliceTarget and timeSliceWindow onto the timeslice', () => {
    const run = (method: string, objective: string) =>
      validate(base + slo('m', `${ratioSli}  timeWindow: [ { duration: 28d, isRolling: true } ]\n  budgetingMethod: ${method}\n  objectives: [ ${objective} ]\n`));
    const occurrences = run('Occurrences', '{ target: 0.99 }');
    expect(occurrences.issues).toEqual([]);
    expect(occurrences.slos[0]!.spec).toMatchObject({ budgeting: 'occurrences' });
    expect(occurrences.slos[0]!.spec.timeslice).toBeUndefined();

    const timeslices = run('Timeslices', '{ target: 0.99, timeSliceTarget: 0.95, timeSliceWindow: 5 }');
    expect(timeslices.issues).toEqual([]);
    expect(timeslices.slos[0]!.spec).toMatchObject({ budgeting: 'timeslices', timeslice: { length: '5m', threshold: 95 } });

    const ratio = run('RatioTimeslices', '{ target: 0.99, timeSliceWindow: 5m }');
    expect(ratio.issues).toEqual([]);
    expect(ratio.slos[0]!.spec).toMatchObject({ budgeting: 'ratioTimeslices' });
    expect(ratio.slos[0]!.spec.timeslice).toEqual({ length: '5m' });

    // A slice window may be left out: pave's one-minute slices.
    const defaulted = run('RatioTimeslices', '{ target: 0.99 }');
    expect(defaulted.issues).toEqual([]);
    expect(defaulted.slos[0]!.spec.timeslice).toEqual({ length: '1m' });
  });

  it('turns target and targetPercent into the exact percent, without binary noise', () => {
    // In floating point 0.99999 × 100 = 99.99900000000001 and 0.57 × 100 = 56.99999999999999.
    expect(0.99999 * 100).not.toBe(99.999);
    const cases: [string, number][] = [
      ['target: 0.999', 99.9],
      ['target: 0.9995', 99.95],
      ['target: 0.99999', 99.999],
      ['target: 0.57', 57],
      ['target: 0.29', 29],
      ['target: 0.999999', 99.9999],
      ['targetPercent: 99.95', 99.95],
      ['targetPercent: 99.999', 99.999],
      ['targetPercent: 90', 90],
    ];
    for (const [objective, percent] of cases) {
      // (Low objectives get warnings that the default page tiers can never fire: not what this test is about.)
      const { errors, slos } = validate(base + slo('t', `${ratioSli}  timeWindow: [ { duration: 30d } ]\n  budgetingMethod: Occurrences\n  objectives: [ { ${objective} } ]\n`));
      expect(errors).toEqual([]);
      expect(slos[0]!.spec.objective).toBe(percent);
    }
    const slice = validate(base + slo('t', `${ratioSli}  timeWindow: [ { duration: 30d } ]\n  budgetingMethod: Timeslices\n  objectives: [ { target: 0.9, timeSliceTarget: 0.57 } ]\n`));
    expect(slice.slos[0]!.spec.timeslice).toEqual({ length: '1m', threshold: 57 });
  });

  it('shifts decimals exactly, including numbers JavaScript prints with an exponent', () => {
    expect([0.999, 0.57, 0.29, 0.99999, 1e-7, 1.5e-10, 0, 1, 0.1].map(timesHundred)).toEqual([99.9, 57, 29, 99.999, 0.00001, 1.5e-8, 0, 100, 10]);
  });

  it('turns a thresholdMetric SLI and the objective op/value into a latency indicator', () => {
    for (const op of ['lte', 'lt']) {
      const { issues, slos } = validate(
        base +
          slo(
            'latency',
            `  indicator:
    spec:
      thresholdMetric:
        metricSource: { type: pave, spec: { series: checkout_request_duration_seconds, match: { route: "/pay" } } }
  timeWindow: [ { duration: 28d } ]
  budgetingMethod: Occurrences
  objectives: [ { op: ${op}, value: 0.3, target: 0.99 } ]
`,
          ),
      );
      expect(issues).toEqual([]);
      expect(slos[0]!.spec.indicator).toEqual({
        latency: { source: 'builtin', series: 'checkout_request_duration_seconds', match: { route: '/pay' }, threshold: 0.3 },
      });
      expect(slos[0]!.spec.objective).toBe(99);
    }
  });

  it('turns alert policies, inline and referenced, into custom tiers in their order', () => {
    const { issues, slos, objects } = validate(`${base}${slo(
      'alerts',
      `${ratioSli}  timeWindow: [ { duration: 30d } ]
  budgetingMethod: Occurrences
  objectives: [ { target: 0.999 } ]
  alertPolicies:
    - fast
    - alertPolicyRef: slow
    - kind: AlertPolicy
      metadata: { name: day }
    - kind: AlertPolicy
      metadata: { name: inline-ticket }
      spec:
        alertWhenBreaching: true
        conditions:
          - kind: AlertCondition
            metadata: { name: three-days }
            spec: { severity: sev3, condition: { kind: burnrate, op: gte, threshold: 1, lookbackWindow: 3d } }
    - spec:
        conditions: [ { conditionRef: high } ]
`,
    )}
---
apiVersion: openslo/v1
kind: AlertPolicy
metadata: { name: fast }
spec:
  conditions:
    - spec: { severity: critical, condition: { threshold: 14.4, lookbackWindow: 1h } }
---
apiVersion: openslo/v1
kind: AlertPolicy
metadata: { name: slow }
spec:
  conditions: [ { conditionRef: six-hours } ]
---
apiVersion: openslo/v1
kind: AlertPolicy
metadata: { name: day }
spec:
  conditions: [ { conditionRef: one-day } ]
---
apiVersion: openslo/v1
kind: AlertCondition
metadata: { name: six-hours }
spec: { severity: Page, condition: { kind: burnrate, op: gt, threshold: 6, lookbackWindow: 6h, alertAfter: 0m } }
---
apiVersion: openslo/v1
kind: AlertCondition
metadata: { name: one-day }
spec: { severity: ticket, condition: { threshold: 3, lookbackWindow: 1d } }
---
apiVersion: openslo/v1
kind: AlertCondition
metadata: { name: high }
spec: { severity: HIGH, condition: { threshold: 2, lookbackWindow: 2h } }
`);
    expect(issues).toEqual([]);
    expect(objects.map((o) => o.object.kind)).toEqual(['Team', 'Service', 'SLO']);
    expect(slos[0]!.spec.alerting).toEqual({
      enabled: true,
      minEvents: 0,
      tiers: [
        { severity: 'page', long: '1h', factor: 14.4 },
        { severity: 'page', long: '6h', factor: 6 },
        { severity: 'ticket', long: '1d', factor: 3 },
        { severity: 'ticket', long: '3d', factor: 1 },
        { severity: 'page', long: '2h', factor: 2 },
      ],
    });
  });

  it('keeps the default tiers when there are no alert policies', () => {
    for (const policies of ['', '  alertPolicies: []\n']) {
      const { issues, slos } = validate(base + slo('d', `${ratioSli}  timeWindow: [ { duration: 30d } ]\n  budgetingMethod: Occurrences\n  objectives: [ { target: 0.999 } ]\n${policies}`));
      expect(issues).toEqual([]);
      expect(slos[0]!.spec.alerting).toEqual({ enabled: true, tiers: 'default', minEvents: 0 });
    }
  });

  it('warns about what it does not read: alertAfter, notification targets, an unaligned startTime, unused documents', () => {
    const { errors, warnings, slos } = validate(`${base}${slo(
      'w',
      `${ratioSli}  timeWindow:
    - duration: 1M
      calendar: { startTime: "2026-01-21 12:30:00", timeZone: Europe/Paris }
  budgetingMethod: Occurrences
  objectives: [ { target: 0.999 } ]
  alertPolicies:
    - page
    - spec:
        notificationTargets: [ { targetRef: email } ]
        conditions:
          - spec: { severity: page, condition: { threshold: 6, lookbackWindow: 6h, alertAfter: 10m } }
`,
    )}
---
apiVersion: openslo/v1
kind: AlertPolicy
metadata: { name: page }
spec:
  conditions:
    - spec: { severity: page, condition: { threshold: 14.4, lookbackWindow: 1h, alertAfter: 2m } }
---
apiVersion: openslo/v1
kind: SLI
metadata: { name: forgotten }
spec: { ratioMetric: { good: { metricSource: { spec: { series: x } } }, total: { metricSource: { spec: { series: x } } } } }
`);
    expect(errors).toEqual([]);
    expect(slos).toHaveLength(1);
    expect(warnings.map(at)).toEqual([
      'a.yaml:24:30 spec.timeWindow[0].calendar.startTime not_read',
      'a.yaml:30:30 spec.alertPolicies[1].spec.notificationTargets not_read',
      'a.yaml:32:96 spec.alertPolicies[1].spec.conditions[0].spec.condition.alertAfter not_read',
      // The referenced policy's own alertAfter is reported once, in its document, not again in each SLO using it.
      'a.yaml:40:93 spec.conditions[0].spec.condition.alertAfter not_read',
      'a.yaml:44:19 metadata.name unused',
    ]);
    expect(warnings[0]!.message).toBe(
      "pave's calendar months start on the 1st at 00:00 in the window's time zone; startTime 2026-01-21 12:30:00 does not move them",
    );
    expect(warnings[4]!.message).toBe('SLI "forgotten" is used by no SLO in this apply; pave does not store OpenSLO SLI documents, only the SLOs that use them');
  });

  it('validates the example under docs/examples/openslo with the example catalog', () => {
    const root = new URL('../../../', import.meta.url);
    const names = [...readdirSync(new URL('examples/', root)).map((f) => `examples/${f}`), 'docs/examples/openslo/fraud-scoring.yaml'];
    const v = validateCatalogFiles(names.map((name) => ({ name, content: readFileSync(new URL(name, root), 'utf8') })));
    const issues = v.issues;
    expect(issues.filter((i) => i.file?.startsWith('docs/') || i.severity === 'error').map(formatIssue)).toEqual([]);
    const fraud = v.objects.filter((o) => o.source.file.startsWith('docs/')).map((o) => o.object);
    expect(fraud.map((o) => o.metadata.name)).toEqual(['fraud-scoring-availability', 'fraud-scoring-latency']);
    expect(fraud[0]!.spec).toMatchObject({
      objective: 99.9,
      alerting: { tiers: [{ severity: 'page', long: '1h', factor: 14.4 }, { severity: 'ticket', long: '3d', factor: 1 }] },
    });
    expect(fraud[1]!.spec).toMatchObject({
      indicator: { latency: { series: 'fraud_scoring_duration_seconds', threshold: 0.25 } },
      window: { calendar: 'month', timezone: 'Europe/Paris' },
      timeslice: { length: '5m', threshold: 95 },
    });
  });
});
