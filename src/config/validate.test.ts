import { describe, expect, it } from 'vitest';
import type { ConfigIssue } from './source.js';
import { formatIssue, validateCatalogFiles, validateFiles } from './validate.js';

function validate(content: string, name = 'cat.yaml') {
  return validateCatalogFiles([{ name, content }]);
}

const pick = (i: ConfigIssue) => ({ code: i.code, file: i.file, line: i.line, column: i.column, path: i.path });

describe('validateFiles', () => {
  it('accepts a valid catalog and applies defaults', () => {
    const { objects, issues } = validate(`apiVersion: pave/v1
kind: Team
metadata: { name: payments }
spec: { members: [] }
---
apiVersion: pave/v1
kind: Service
metadata: { name: checkout }
spec: { owner: payments }
`);
    expect(issues).toEqual([]);
    expect(objects.map((o) => o.object.spec)).toEqual([
      { members: [] },
      { owner: 'payments', tier: 'important', lifecycle: 'production', dependsOn: [], links: [] },
    ]);
    expect(objects[1]!.source).toMatchObject({ file: 'cat.yaml', line: 6, column: 1 });
  });

  it('reports YAML syntax errors with their position', () => {
    const { issues } = validate('apiVersion: pave/v1\nkind: Team\nmetadata: { name: x\nspec: {}\n');
    expect(issues.length).toBeGreaterThan(0);
    expect(issues[0]).toMatchObject({ code: 'yaml_syntax', file: 'cat.yaml', severity: 'error' });
    expect(issues[0]!.line).toBeGreaterThanOrEqual(3);
  });

  it('reports duplicate keys as YAML errors', () => {
    const { issues } = validate('apiVersion: pave/v1\nkind: Team\nkind: Team\nmetadata: { name: x }\nspec: {}\n');
    expect(issues.map(pick)).toEqual([{ code: 'yaml_syntax', file: 'cat.yaml', line: 3, column: 1, path: '' }]);
  });

  it('reports every schema error at once, each at its exact line and column', () => {
    const { issues, objects } = validate(`apiVersion: pave/v1
kind: Service
metadata: { name: checkout }
spec:
  owner: 42
  tier: gold
  colour: red
  dependsOn:
    - { service: api, kind: firm }
---
apiVersion: pave/v1
kind: Person
metadata: { name: Alice }
spec:
  timezone: Mars/Olympus
`);
    expect(objects).toEqual([]);
    expect(issues.map(pick)).toEqual([
      { code: 'invalid_type', file: 'cat.yaml', line: 5, column: 10, path: 'spec.owner' },
      { code: 'invalid_value', file: 'cat.yaml', line: 6, column: 9, path: 'spec.tier' },
      { code: 'unknown_field', file: 'cat.yaml', line: 7, column: 3, path: 'spec.colour' },
      { code: 'invalid_value', file: 'cat.yaml', line: 9, column: 29, path: 'spec.dependsOn[0].kind' },
      { code: 'invalid_format', file: 'cat.yaml', line: 13, column: 19, path: 'metadata.name' },
      { code: 'missing_field', file: 'cat.yaml', line: 15, column: 3, path: 'spec.displayName' },
      { code: 'custom', file: 'cat.yaml', line: 15, column: 13, path: 'spec.timezone' },
    ]);
    const owner = issues.find((i) => i.path === 'spec.owner')!;
    expect(owner).toMatchObject({ expected: 'a string', found: 'number 42' });
    expect(issues.find((i) => i.path === 'spec.tier')).toMatchObject({ expected: 'one of "critical", "important", "best-effort"', found: 'string "gold"' });
    expect(formatIssue(owner)).toBe('cat.yaml:5:10: error: spec.owner: wrong type (expected a string, found number 42)');
  });

  it('rejects unknown apiVersion and kind, naming what is allowed', () => {
    const { issues } = validate('apiVersion: pave/v2\nkind: Widget\nmetadata: { name: x }\nspec: {}\n');
    expect(issues.map(pick)).toEqual([
      { code: 'invalid_value', file: 'cat.yaml', line: 1, column: 13, path: 'apiVersion' },
      { code: 'unknown_kind', file: 'cat.yaml', line: 2, column: 7, path: 'kind' },
    ]);
    expect(issues[1]!.expected).toContain('Service');
  });

  it('reports a document that is not a map', () => {
    const { issues } = validate('- just\n- a list\n');
    expect(issues.map(pick)).toEqual([{ code: 'invalid_type', file: 'cat.yaml', line: 1, column: 1, path: '' }]);
  });

  it('reports unknown references at the referring field', () => {
    const { issues } = validate(`apiVersion: pave/v1
kind: Team
metadata: { name: payments }
spec:
  members: [alice, zed]
---
apiVersion: pave/v1
kind: Person
metadata: { name: alice }
spec: { displayName: Alice, timezone: UTC }
---
apiVersion: pave/v1
kind: Service
metadata: { name: checkout }
spec:
  owner: paymnts
  dependsOn:
    - service: ghost
`);
    expect(issues.map(pick)).toEqual([
      { code: 'unknown_reference', file: 'cat.yaml', line: 5, column: 20, path: 'spec.members[1]' },
      { code: 'unknown_reference', file: 'cat.yaml', line: 16, column: 10, path: 'spec.owner' },
      { code: 'unknown_reference', file: 'cat.yaml', line: 18, column: 16, path: 'spec.dependsOn[0].service' },
    ]);
    expect(issues[1]!.message).toBe('Service/checkout refers to Team "paymnts", which does not exist');
  });

  it('does not pile an unknown-reference error on a reference to an invalid object', () => {
    const { issues } = validate(`apiVersion: pave/v1
kind: Team
metadata: { name: payments }
spec: { members: 3 }
---
apiVersion: pave/v1
kind: Service
metadata: { name: checkout }
spec: { owner: payments }
`);
    expect(issues.map((i) => i.code)).toEqual(['invalid_type']);
  });

  it('reports duplicates across files, pointing at both', () => {
    const doc = 'apiVersion: pave/v1\nkind: Team\nmetadata: { name: payments }\nspec: {}\n';
    const v = validateFiles([
      { name: 'a.yaml', content: doc },
      { name: 'b.yaml', content: `# second\n${doc}` },
    ]);
    expect(v.objects).toHaveLength(1);
    expect(v.issues.map(pick)).toEqual([{ code: 'duplicate', file: 'b.yaml', line: 4, column: 19, path: 'metadata.name' }]);
    expect(v.issues[0]!.message).toContain('first at a.yaml:1:1');
  });

  it('flags self-dependencies as errors and hard dependency cycles as warnings', () => {
    const { issues } = validate(`apiVersion: pave/v1
kind: Team
metadata: { name: t }
spec: {}
---
apiVersion: pave/v1
kind: Service
metadata: { name: a }
spec: { owner: t, dependsOn: [ { service: b } ] }
---
apiVersion: pave/v1
kind: Service
metadata: { name: b }
spec: { owner: t, dependsOn: [ { service: a }, { service: b } ] }
`);
    expect(issues.map((i) => [i.severity, i.name, i.path])).toEqual([
      ['warning', 'a', 'spec.dependsOn'],
      ['error', 'b', 'spec.dependsOn[1].service'],
    ]);
    expect(issues[0]!.message).toContain('a -> b -> a');
  });

  it('bounds YAML alias expansion (billion laughs)', () => {
    const lines = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 0; i < 8; i++) lines.push(`${'bcdefghi'[i]}: &${'bcdefghi'[i]} [${Array(10).fill(`*${'abcdefghi'[i]}`).join(', ')}]`);
    const { issues } = validate(lines.join('\n'));
    expect(issues[0]).toMatchObject({ code: 'yaml_syntax' });
  });
});

describe('OpenSLO v1 Service', () => {
  it('becomes a pave Service with owner and tier from labels', () => {
    const { objects, issues } = validate(`apiVersion: pave/v1
kind: Team
metadata: { name: payments }
spec: {}
---
apiVersion: openslo/v1
kind: Service
metadata:
  name: checkout
  displayName: Checkout
  labels: { team: payments, tier: critical, region: [eu, us] }
spec:
  description: Takes the basket to a paid order
`);
    expect(issues).toEqual([]);
    expect(objects[1]!.object).toEqual({
      apiVersion: 'pave/v1',
      kind: 'Service',
      metadata: {
        name: 'checkout',
        displayName: 'Checkout',
        labels: { team: 'payments', tier: 'critical', region: 'eu,us' },
        annotations: { 'pave.dev/source': 'openslo/v1' },
      },
      spec: { owner: 'payments', tier: 'critical', description: 'Takes the basket to a paid order', lifecycle: 'production', dependsOn: [], links: [] },
    });
  });

  it('explains a missing owner', () => {
    const { issues } = validate('apiVersion: openslo/v1\nkind: Service\nmetadata: { name: checkout }\nspec: {}\n');
    expect(issues).toHaveLength(1);
    // Points at metadata, where the owning team's label belongs.
    expect(issues[0]).toMatchObject({ code: 'missing_field', path: 'spec.owner', line: 3, column: 11 });
    expect(issues[0]!.message).toContain('OpenSLO');
  });
});

describe('SLO, SLA and Correction', () => {
  const base = `apiVersion: pave/v1
kind: Team
metadata: { name: payments }
spec: { members: [alice] }
---
apiVersion: pave/v1
kind: Person
metadata: { name: alice }
spec: { displayName: Alice, timezone: UTC }
---
apiVersion: pave/v1
kind: Service
metadata: { name: checkout }
spec: { owner: payments }
---
`;
  it('accepts an SLO with defaults filled in', () => {
    const { issues, objects } = validate(`${base}apiVersion: pave/v1
kind: SLO
metadata: { name: checkout-availability }
spec:
  service: checkout
  indicator:
    ratio:
      good: { series: checkout_requests, match: { code: "!5xx" } }
      total: { series: checkout_requests }
  objective: 99.9
  window: { rolling: 30d }
`);
    expect(issues).toEqual([]);
    expect(objects[3]!.object.spec).toMatchObject({
      budgeting: 'occurrences',
      noData: { slices: 'ignore', alertAfter: '30m' },
      alerting: { enabled: true, tiers: 'default', minEvents: 0 },
      budgetWarning: 25,
      indicator: { ratio: { source: 'builtin' } },
    });
  });

  it('reports SLO mistakes at their fields', () => {
    const { issues } = validate(`${base}apiVersion: pave/v1
kind: SLO
metadata: { name: bad }
spec:
  service: checkout
  indicator:
    ratio: { total: { series: "checkout requests" } }
    latency: { series: lat, threshold: 0.3 }
  objective: 100
  window: { rolling: 30 days }
  budgeting: timeslices
  alerting:
    tiers: [ { severity: page, long: 1h, factor: 14.4, budgetShare: 2 } ]
`);
    expect(issues.map((i) => [i.line, i.path, i.code])).toEqual([
      [22, 'spec.indicator', 'custom'],
      [22, 'spec.indicator.ratio.good', 'custom'],
      [22, 'spec.indicator.ratio.total.series', 'invalid_format'],
      [24, 'spec.objective', 'too_big'],
      [25, 'spec.window.rolling', 'invalid_format'],
      [28, 'spec.alerting.tiers[0].factor', 'custom'],
    ]);
  });

  it('needs a slice threshold for timeslices, and a composite may not contain itself', () => {
    const { issues } = validate(`${base}apiVersion: pave/v1
kind: SLO
metadata: { name: journey }
spec:
  service: checkout
  indicator: { composite: { components: [ { slo: journey }, { slo: other } ] } }
  objective: 99
  window: { calendar: month, timezone: Europe/Paris }
  budgeting: timeslices
`);
    expect(issues.map((i) => [i.path, i.code, i.message])).toEqual([
      ['spec.timeslice.threshold', 'invalid_object', 'timeslices budgeting needs timeslice.threshold (percent of good events for a slice to be good)'],
      ['spec.indicator.composite.components[0].slo', 'invalid_object', 'a composite SLO cannot contain itself'],
      ['spec.indicator.composite.components[1].slo', 'unknown_reference', 'SLO/journey refers to SLO "other", which does not exist'],
    ]);
  });

  it('warns about an SLA stricter than its SLO, and checks corrections', () => {
    const { issues } = validate(`${base}apiVersion: pave/v1
kind: SLO
metadata: { name: avail }
spec:
  service: checkout
  indicator: { ratio: { bad: { series: req, match: { code: 5xx } }, total: { series: req } } }
  objective: 99.5
  window: { rolling: 7d }
---
apiVersion: pave/v1
kind: SLA
metadata: { name: contract }
spec: { slo: avail, target: 99.9, consequence: credits }
---
apiVersion: pave/v1
kind: Correction
metadata: { name: maint }
spec: { service: checkout, start: "2026-01-04T02:00:00Z", rrule: "FREQ=WEEKLY", reason: patching, author: bob }
`);
    expect(issues.map((i) => [i.severity, i.path, i.message])).toEqual([
      ['warning', 'spec.target', "the SLA target 99.9% is stricter than its SLO's objective 99.5%: the contract would be breached before the internal budget is spent"],
      ['error', 'spec.duration', 'a recurring correction needs the duration of each occurrence'],
    ]);
  });
});

describe('dependency ceiling', () => {
  it('warns when an SLO promises more than its hard dependencies allow', () => {
    const svc = (name: string, deps = '') => `apiVersion: pave/v1\nkind: Service\nmetadata: { name: ${name} }\nspec: { owner: t${deps} }\n---\n`;
    const slo = (name: string, objective: number) =>
      `apiVersion: pave/v1\nkind: SLO\nmetadata: { name: ${name} }\nspec: { service: ${name}, indicator: { ratio: { bad: { series: r }, total: { series: r } } }, objective: ${objective}, window: { rolling: 30d } }\n---\n`;
    const { issues } = validate(
      'apiVersion: pave/v1\nkind: Team\nmetadata: { name: t }\nspec: {}\n---\n' +
        svc('a', ', dependsOn: [ { service: b }, { service: c }, { service: d }, { service: e, kind: soft } ]') +
        svc('b') + svc('c') + svc('d') + svc('e') +
        slo('a', 99.8) + slo('b', 99.9) + slo('c', 99.9) + slo('d', 99.9) + slo('e', 99),
    );
    // 99.9% × 99.9% × 99.9% = 99.7002999%: a 99.8% promise cannot be kept; the soft dependency does not count.
    expect(issues.map((i) => [i.severity, i.name, i.path, i.message])).toEqual([
      ['warning', 'a', 'spec.objective', 'objective 99.8% is above 99.7002999%, the most its hard dependencies allow (b 99.9%, c 99.9%, d 99.9%): the product of their objectives'],
    ]);
  });
});
