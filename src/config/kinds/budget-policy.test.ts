import { describe, expect, it } from 'vitest';
import { policyFor } from '../../domain/budget-policy/policy.js';
import { catalogView, type ConfigObject } from '../../domain/objects.js';
import { formatIssue, validateCatalogFiles } from '../validate.js';
import { budgetPolicy, toDeclaredPolicy, type BudgetPolicySpec } from './budget-policy.js';

const base = `apiVersion: pave/v1
kind: Team
metadata: { name: payments }
spec: {}
---
apiVersion: pave/v1
kind: Team
metadata: { name: storefront }
spec: {}
---
apiVersion: pave/v1
kind: Service
metadata: { name: checkout }
spec: { owner: payments }
---
apiVersion: pave/v1
kind: Service
metadata: { name: payments-api }
spec: { owner: payments }
---
apiVersion: pave/v1
kind: Service
metadata: { name: web }
spec: { owner: storefront }
---
`;

function validate(content: string) {
  const v = validateCatalogFiles([{ name: 'policy.yaml', content: base + content }]);
  return { issues: v.issues.map(formatIssue), objects: v.objects.map((o) => o.object) };
}
const doc = (name: string, spec: string) => `apiVersion: pave/v1\nkind: BudgetPolicy\nmetadata: { name: ${name} }\nspec: ${spec}\n---\n`;

describe('BudgetPolicy', () => {
  it('defaults: blocking, warn at 25% and freeze at 0%, fix/security/rollback exempt, warn without data, break-glass allowed', () => {
    const { issues, objects } = validate(doc('default', '{}') + doc('checkout', '{ services: [checkout, payments-api], enforcement: advisory, thresholds: [ { remainingAtMost: 50, action: warn }, { remainingAtMost: 10, action: freeze } ], exempt: [rollback], noData: freeze, breakGlass: false }'));
    expect(issues).toEqual([]);
    const get = (n: string) => objects.find((o) => o.kind === 'BudgetPolicy' && o.metadata.name === n)! as ConfigObject<BudgetPolicySpec>;
    expect(toDeclaredPolicy(get('default'))).toEqual({
      name: 'default',
      enforcement: 'blocking',
      thresholds: [
        { remainingAtMost: 25, action: 'warn' },
        { remainingAtMost: 0, action: 'freeze' },
      ],
      exempt: ['fix', 'security', 'rollback'],
      noData: 'warn',
      breakGlass: true,
    });
    expect(toDeclaredPolicy(get('checkout'))).toMatchObject({ services: ['checkout', 'payments-api'], enforcement: 'advisory', exempt: ['rollback'], noData: 'freeze', breakGlass: false });
    const catalog = catalogView(objects);
    // The organisation default is for admins; a service policy for the team owning all its services.
    expect(budgetPolicy.owners(get('default') as never, catalog)).toEqual([]);
    expect(budgetPolicy.owners(get('checkout') as never, catalog)).toEqual(['payments']);
    const declared = [get('default'), get('checkout')].map(toDeclaredPolicy);
    expect(policyFor('payments-api', declared)).toMatchObject({ name: 'checkout', scope: 'service' });
    expect(policyFor('web', declared)).toMatchObject({ name: 'default', scope: 'organization' });
  });

  it('refuses, naming the field: two organisation defaults, a service in two policies, unknown services and kinds, bad actions, repeated or hidden thresholds', () => {
    const bad = validate(
      doc('default', '{}') +
        doc('another-default', '{ enforcement: advisory }') +
        doc('a', '{ services: [checkout] }') +
        doc('b', '{ services: [checkout, nope] }') +
        doc('c', '{ services: [web], exempt: [fix, hotfix] }') +
        doc('d', '{ services: [payments-api], thresholds: [ { remainingAtMost: 10, action: block } ], enforcement: strict }') +
        doc('e', '{ services: [web, web], thresholds: [ { remainingAtMost: 10, action: warn }, { remainingAtMost: 20, action: freeze }, { remainingAtMost: 20, action: warn } ] }') +
        doc('f', '{ services: [web, web] }'),
    );
    expect(bad.issues).toEqual([
      'policy.yaml:29:7: error: spec: BudgetPolicy/another-default is already the organisation default (no services): give this one services, or merge them',
      'policy.yaml:34:7: error: spec: BudgetPolicy/default is already the organisation default (no services): give this one services, or merge them',
      'policy.yaml:39:20: error: spec.services[0]: checkout is already governed by BudgetPolicy/b: a service has one policy',
      'policy.yaml:44:20: error: spec.services[0]: checkout is already governed by BudgetPolicy/a: a service has one policy',
      'policy.yaml:44:30: error: spec.services[1]: BudgetPolicy/b refers to Service "nope", which does not exist (expected the name of an existing Service, found "nope")',
      'policy.yaml:49:40: error: spec.exempt[1]: not an allowed value (expected one of "deploy", "fix", "security", "config", "flag", "infrastructure", "rollback", "rollout", "break_glass", found string "hotfix")',
      'policy.yaml:54:80: error: spec.thresholds[0].action: not an allowed value (expected one of "warn", "freeze", found string "block")',
      'policy.yaml:54:104: error: spec.enforcement: not an allowed value (expected one of "blocking", "advisory", found string "strict")',
      'policy.yaml:59:64: error: spec.thresholds[0].remainingAtMost: a warning at 10% is never seen: the policy freezes at 20% already (found number 10)',
      'policy.yaml:59:144: error: spec.thresholds[2].remainingAtMost: 20 is given twice (found number 20)',
      'policy.yaml:59:144: error: spec.thresholds[2].remainingAtMost: a warning at 20% is never seen: the policy freezes at 20% already (found number 20)',
      'policy.yaml:64:25: error: spec.services[1]: web is listed twice',
    ]);
  });
});
