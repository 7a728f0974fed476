import { describe, expect, it } from 'vitest';
import { escalationPolicy, toEscalationPolicy } from './escalation-policy.js';
import { personSpec } from './person.js';
import { teamSpec } from './team.js';

const issues = (r: { success: boolean; error?: { issues: { path: PropertyKey[]; message: string }[] } }) =>
  (r.error?.issues ?? []).map((i) => `${i.path.join('.')}: ${i.message}`);

describe('EscalationPolicy kind', () => {
  const spec = {
    owner: 'payments',
    steps: [
      { targets: [{ schedule: 'payments-primary' }], escalateAfter: '10m' },
      { targets: [{ person: 'bob' }, { team: 'payments' }], escalateAfter: '1h' },
    ],
    repeat: 2,
  };

  it('reads steps, targets and delays into the domain policy, and references what it names', () => {
    const parsed = escalationPolicy.specSchema.parse(spec);
    const obj = { apiVersion: 'pave/v1' as const, kind: 'EscalationPolicy', metadata: { name: 'p' }, spec: parsed };
    expect(toEscalationPolicy(obj)).toEqual({
      name: 'p',
      repeat: 2,
      steps: [
        { targets: [{ type: 'schedule', name: 'payments-primary' }], escalateAfterMinutes: 10 },
        { targets: [{ type: 'person', name: 'bob' }, { type: 'team', name: 'payments' }], escalateAfterMinutes: 60 },
      ],
    });
    expect(escalationPolicy.references(parsed).map((r) => `${r.kind}/${r.name}@${r.path.join('.')}`)).toEqual([
      'Team/payments@spec.owner',
      'Schedule/payments-primary@spec.steps.0.targets.0.schedule',
      'Person/bob@spec.steps.1.targets.0.person',
      'Team/payments@spec.steps.1.targets.1.team',
    ]);
    expect(escalationPolicy.specSchema.parse({ owner: 'x', steps: [{ targets: [{ person: 'a' }], escalateAfter: '5m' }] }).repeat).toBe(0);
  });

  it('refuses empty steps, zero delays, two targets in one entry, and a repeat out of range', () => {
    const bad = (s: unknown) => issues(escalationPolicy.specSchema.safeParse(s));
    expect(bad({ ...spec, steps: [] })).toEqual(['steps: Too small: expected array to have >=1 items']);
    expect(bad({ ...spec, steps: [{ targets: [{ person: 'a' }], escalateAfter: '0m' }] })[0]).toMatch(/^steps\.0\.escalateAfter: escalateAfter/);
    expect(bad({ ...spec, steps: [{ targets: [{ person: 'a', team: 'b' }], escalateAfter: '5m' }] })).toHaveLength(1);
    expect(bad({ ...spec, repeat: 10 })).toHaveLength(1);
  });
});

describe('Person notification rules and Team default policy', () => {
  const person = {
    displayName: 'Alice',
    timezone: 'Europe/Paris',
    contacts: [
      { type: 'webhook', url: 'https://hooks.example.com/a', secret: { env: 'ALICE_HOOK_SECRET' } },
      { type: 'email', name: 'work', address: 'alice@example.com' },
    ],
    notificationRules: [{ contact: 'webhook' }, { contact: 'work', after: '5m' }],
  };

  it('accepts rules naming a contact type or a contact name, "at once" by default', () => {
    const r = personSpec.parse(person);
    expect(r.notificationRules).toEqual([{ contact: 'webhook', after: '0m' }, { contact: 'work', after: '5m' }]);
  });

  it('keeps Person documents written before rules existed valid', () => {
    expect(personSpec.parse({ displayName: 'B', timezone: 'UTC', contacts: [{ type: 'email', address: 'b@example.com' }] }).notificationRules).toEqual([]);
  });

  it('refuses a rule for a contact the person does not have, sms, a secret written inline, and bad delays', () => {
    const bad = (over: object) => issues(personSpec.safeParse({ ...person, ...over }));
    expect(bad({ notificationRules: [{ contact: 'slack' }] })).toEqual(['notificationRules.0.contact: no contact is named or of type "slack"']);
    expect(bad({ contacts: [...person.contacts, { type: 'sms', number: '+33612345678' }], notificationRules: [{ contact: 'sms' }] })).toEqual([
      'notificationRules.0.contact: pave cannot send SMS yet: use email, webhook or slack',
    ]);
    expect(bad({ contacts: [{ type: 'webhook', url: 'https://h.example.com', secret: 'inline' }], notificationRules: [] })).toHaveLength(1);
    expect(bad({ notificationRules: [{ contact: 'webhook', after: 'soon' }] })).toHaveLength(1);
  });

  it('lets a Team name its default escalation policy', () => {
    expect(teamSpec.parse({ members: ['alice'], escalationPolicy: 'payments-primary' }).escalationPolicy).toBe('payments-primary');
  });
});
