import { describe, expect, it } from 'vitest';
import { catalogView, type ConfigObject } from '../../domain/objects.js';
import { formatIssue, validateCatalogFiles } from '../validate.js';
import { silence, toSilence, type SilenceSpec } from './silence.js';

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
kind: Person
metadata: { name: alice }
spec: { displayName: Alice, timezone: Europe/Paris }
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
  const v = validateCatalogFiles([{ name: 'silence.yaml', content: base + content }]);
  return { issues: v.issues.map(formatIssue), objects: v.objects.map((o) => o.object) };
}

const doc = (name: string, spec: string) => `apiVersion: pave/v1\nkind: Silence\nmetadata: { name: ${name} }\nspec: ${spec}\n---\n`;
const who = 'author: alice, reason: database upgrade';

describe('Silence', () => {
  it('is one-off (end or duration) or recurring (duration, rrule, timezone), owned by the team owning all its services', () => {
    const { issues, objects } = validate(
      doc('upgrade', `{ matchers: { alertname: ~Postgres.* }, services: [checkout, payments-api], start: "2026-03-25T10:00:00Z", duration: 2h, ${who} }`) +
        doc('weekly', `{ services: [web], start: "2026-03-21T22:00:00+01:00", duration: 4h, rrule: FREQ=WEEKLY;BYDAY=SA, timezone: Europe/Berlin, ${who} }`) +
        doc('everyone', `{ matchers: { env: staging }, start: "2026-03-25T10:00:00Z", end: "2026-03-26T10:00:00Z", ${who} }`) +
        doc('mixed', `{ services: [checkout, web], start: "2026-03-25T10:00:00Z", end: "2026-03-26T10:00:00Z", ${who} }`),
    );
    expect(issues).toEqual([]);
    const catalog = catalogView(objects);
    const get = (n: string) => objects.find((o) => o.kind === 'Silence' && o.metadata.name === n)! as ConfigObject<SilenceSpec>;
    expect(silence.owners(get('upgrade') as never, catalog)).toEqual(['payments']);
    expect(silence.owners(get('weekly') as never, catalog)).toEqual(['storefront']);
    // No services, or services of two teams: admins only.
    expect(silence.owners(get('everyone') as never, catalog)).toEqual([]);
    expect(silence.owners(get('mixed') as never, catalog)).toEqual([]);
    expect(toSilence(get('upgrade'))).toEqual({
      name: 'upgrade',
      matchers: { alertname: '~Postgres.*' },
      services: ['checkout', 'payments-api'],
      window: { id: 'upgrade', author: 'alice', reason: 'database upgrade', start: Date.parse('2026-03-25T10:00:00Z'), end: Date.parse('2026-03-25T12:00:00Z') },
    });
    expect(toSilence(get('weekly')).window).toMatchObject({ durationMinutes: 240, rrule: 'FREQ=WEEKLY;BYDAY=SA', timezone: 'Europe/Berlin' });
  });

  it('refuses, naming the field: no matchers nor services, a bad matcher, end and duration both or neither, end before start, a recurrence without duration or with end, a bad rule or zone, unknown references', () => {
    const bad = validate(
      doc('a', `{ start: "2026-03-25T10:00:00Z", duration: 1h, ${who} }`) +
        doc('b', `{ matchers: { instance: "~db[" }, start: "2026-03-25T10:00:00Z", duration: 1h, ${who} }`) +
        doc('c', `{ services: [checkout], start: "2026-03-25T10:00:00Z", end: "2026-03-25T11:00:00Z", duration: 1h, ${who} }`) +
        doc('d', `{ services: [checkout], start: "2026-03-25T10:00:00Z", end: "2026-03-25T09:00:00Z", ${who} }`) +
        doc('e', `{ services: [checkout], start: "2026-03-25T10:00:00Z", rrule: FREQ=DAILY, ${who} }`) +
        doc('f', `{ services: [checkout], start: "2026-03-25T10:00:00Z", duration: 1h, rrule: FREQ=WEEKLY;BYDAY=XX, ${who} }`) +
        doc('g', `{ services: [nope], start: "2026-03-25T10:00:00Z", duration: 1h, author: nobody, reason: x }`) +
        doc('h', `{ services: [checkout], start: "2026-03-25T10:00:00Z", duration: 1h, ${who.replace('reason: database upgrade', 'reason: ""')} }`) +
        doc('i', `{ services: [checkout], start: "2026-03-25T10:00:00Z", duration: 1h, author: alice, reason: x, timezone: Mars/Base }`) +
        doc('j', `{ services: [checkout], start: "2026-03-25T10:00:00Z", duration: 1h, end: "2026-04-25T10:00:00Z", rrule: FREQ=DAILY, ${who} }`),
    );
    expect(bad.issues).toEqual([
      'silence.yaml:34:7: error: spec.matchers: give matchers, services or both: a silence of every alert is not allowed (found nothing)',
      'silence.yaml:39:31: error: spec.matchers.instance: a matcher: value, !value, a|b, 5xx, ~regex or !~regex with a valid regular expression (found string "~db[")',
      'silence.yaml:44:67: error: spec.end: give exactly one of end or duration (found string "2026-03-25T11:00:00Z")',
      'silence.yaml:49:67: error: spec.end: end must be after start (found string "2026-03-25T09:00:00Z")',
      'silence.yaml:54:7: error: spec.duration: a recurring silence needs the duration of each occurrence (found nothing)',
      "silence.yaml:59:83: error: spec.rrule: rrule: BYDAY=XX is not a list of weekdays (MO, TU, WE, TH, FR, SA, SU, optionally numbered like 1MO or -1FR) in 'FREQ=WEEKLY;BYDAY=XX'",
      'silence.yaml:64:20: error: spec.services[0]: Silence/g refers to Service "nope", which does not exist (expected the name of an existing Service, found "nope")',
      'silence.yaml:64:80: error: spec.author: Silence/g refers to Person "nobody", which does not exist (expected the name of an existing Person, found "nobody")',
      'silence.yaml:69:99: error: spec.reason: too small (expected at least 1 characters, found string "")',
      'silence.yaml:74:112: error: spec.timezone: an IANA time zone such as Europe/Paris or UTC (found string "Mars/Base")',
      'silence.yaml:79:81: error: spec.end: a recurring silence takes duration for each occurrence (and UNTIL or COUNT in the rule to stop it), not end (found string "2026-04-25T10:00:00Z")',
    ]);
  });
});
