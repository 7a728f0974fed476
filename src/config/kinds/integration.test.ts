import { describe, expect, it } from 'vitest';
import { catalogView } from '../../domain/objects.js';
import { formatIssue, validateCatalogFiles } from '../validate.js';
import { groupLabelsOf, integration, integrationOwner } from './integration.js';
import { teamAndService } from '../test-catalog.js';

const base = teamAndService;

function validate(content: string) {
  const v = validateCatalogFiles([{ name: 'int.yaml', content: base + content }]);
  return { issues: v.issues.map(formatIssue), objects: v.objects.map((o) => o.object) };
}

describe('Integration', () => {
  it('declares a format and where its alerts go, owned by that service\'s team', () => {
    const { issues, objects } = validate('apiVersion: pave/v1\nkind: Integration\nmetadata: { name: pd }\nspec: { format: pagerduty, service: checkout }\n');
    expect(issues).toEqual([]);
    const obj = objects.find((o) => o.kind === 'Integration')!;
    expect(integration.owners(obj as never, catalogView(objects))).toEqual(['payments']);
    expect(integrationOwner({ format: 'alertmanager' }, catalogView(objects))).toBeUndefined();
  });

  it('refuses an unknown format, an unknown field (a key in the catalog), both service and team, and unknown references', () => {
    const bad = validate(`apiVersion: pave/v1
kind: Integration
metadata: { name: a }
spec: { format: opsgenie }
---
apiVersion: pave/v1
kind: Integration
metadata: { name: b }
spec: { format: alertmanager, key: secret }
---
apiVersion: pave/v1
kind: Integration
metadata: { name: c }
spec: { format: alertmanager, service: checkout, team: payments }
---
apiVersion: pave/v1
kind: Integration
metadata: { name: d }
spec: { format: alertmanager, service: nope, groupBy: [service, service] }
`);
    expect(bad.issues).toEqual([
      'int.yaml:14:17: error: spec.format: not an allowed value (expected one of "alertmanager", "alertmanager-v2", "pagerduty", "webhook", found string "opsgenie")',
      'int.yaml:19:31: error: spec.key: unknown field "key" (expected only the fields documented for this kind, found key)',
      'int.yaml:24:56: error: spec.team: give service or team, not both: a service already names its owning team',
      'int.yaml:29:40: error: spec.service: Integration/d refers to Service "nope", which does not exist (expected the name of an existing Service, found "nope")',
      'int.yaml:29:55: error: spec.groupBy: service is listed twice',
    ]);
  });

  it('groups by service and alert name by default, and PagerDuty events by their dedup key', () => {
    expect(groupLabelsOf({ format: 'alertmanager' })).toEqual(['service', 'alertname']);
    expect(groupLabelsOf({ format: 'pagerduty' })).toEqual(['dedup_key']);
    expect(groupLabelsOf({ format: 'pagerduty', groupBy: ['source'] })).toEqual(['source']);
  });
});
