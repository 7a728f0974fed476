import { describe, expect, it } from 'vitest';
import { teamAndService } from '../test-catalog.js';
import { formatIssue, validateCatalogFiles } from '../validate.js';
import { rolloutPlan, rolloutRevision, rolloutSpec } from './rollout.js';

const base = `${teamAndService}apiVersion: pave/v1
kind: Flag
metadata: { name: with-rollout }
spec: { owner: payments, services: [checkout], rollout: { percentage: 0 } }
---
apiVersion: pave/v1
kind: Flag
metadata: { name: plain }
spec: { owner: payments }
---
`;

function validate(content: string): string[] {
  return validateCatalogFiles([{ name: 'rollout.yaml', content: base + content }]).issues.map(formatIssue);
}

const rollout = (spec: string) => `apiVersion: pave/v1
kind: Rollout
metadata: { name: r }
spec:
${spec}
`;

describe('Rollout kind', () => {
  it('accepts a flag rollout and builds its plan; a spec change is a new revision', () => {
    const spec = '  service: checkout\n  target: { flag: with-rollout }\n  steps: [ { weight: 10, bake: 1h30m }, { weight: 100 } ]\n  guard: { slos: [] }\n  analysis: { metrics: [ { name: errors, store: { series: reqs, canary: { match: { v: "2" } }, baseline: { match: { v: "1" } } } } ] }';
    const issues = validate(rollout(spec));
    expect(issues.filter((i) => i.includes('error'))).toEqual([]);
    const parsed = rolloutSpec.parse({ service: 'checkout', target: { flag: 'with-rollout' }, steps: [{ weight: 10, bake: '1h30m' }, { weight: 100 }] });
    expect(rolloutPlan(parsed)).toEqual({ steps: [{ weight: 10, bakeMs: 90 * 60_000 }, { weight: 100, bakeMs: 0 }], onFailure: 'rollback', analysis: false });
    expect(parsed.changeKind).toBe('deploy');
    expect(rolloutRevision({ a: 1 })).not.toBe(rolloutRevision({ a: 2 }));
    // Nothing guards it: a warning, not an error.
    expect(validate(rollout('  service: checkout\n  target: { flag: with-rollout }\n  steps: [ { weight: 100 } ]')).join('\n')).toMatch(/warning.*nothing guards this rollout/);
  });

  it('refuses what it cannot run, naming the field', () => {
    const cases: [string, RegExp][] = [
      ['  service: checkout\n  target: { flag: with-rollout, webhook: { url: "http://x" } }\n  steps: [ { weight: 10 } ]', /spec\.target.*exactly one of flag or webhook/],
      ['  service: checkout\n  target: { flag: plain }\n  steps: [ { weight: 10 } ]', /spec\.target\.flag.*has no rollout section/],
      ['  service: checkout\n  target: { flag: nope }\n  steps: [ { weight: 10 } ]', /spec\.target\.flag.*nope/],
      ['  service: checkout\n  target: { flag: with-rollout }\n  steps: [ { weight: 50 }, { weight: 20 } ]', /spec\.steps\[1\]\.weight.*weights only go up: 20 after 50/],
      ['  service: checkout\n  target: { flag: with-rollout }\n  steps: [ { weight: 101 } ]', /spec\.steps\[0\]\.weight/],
      ['  service: checkout\n  target: { flag: with-rollout }\n  steps: [ { weight: 10, bake: 30s } ]', /spec\.steps\[0\]\.bake.*whole minutes/],
      ['  service: checkout\n  target: { flag: with-rollout }\n  steps: []', /spec\.steps/],
      ['  service: checkout\n  target: { webhook: { url: "ftp://x" } }\n  steps: [ { weight: 10 } ]', /spec\.target\.webhook\.url.*http/],
      ['  service: checkout\n  changeKind: break_glass\n  target: { flag: with-rollout }\n  steps: [ { weight: 10 } ]', /spec\.changeKind/],
      ['  service: checkout\n  target: { flag: with-rollout }\n  steps: [ { weight: 10 } ]\n  guard: { slos: [missing-slo] }', /spec\.guard\.slos\[0\].*missing-slo/],
      ['  service: checkout\n  target: { flag: with-rollout }\n  steps: [ { weight: 10 } ]\n  analysis: { metrics: [ { name: a, samples: { canary: [1], baseline: [1] } } ] }', /spec\.analysis\.metrics\[0\]\.samples.*store or prometheus/],
    ];
    for (const [spec, expected] of cases) {
      const issues = validate(rollout(spec)).filter((i) => !i.includes('warning'));
      expect(issues.join("\n"), `${spec}\n${issues.join("\n")}`).toMatch(expected);
    }
  });
});
