import { describe, expect, it } from 'vitest';
import { plannedNotifications } from './notification-rules.js';
import { checkPolicy, dueAtOf, exhaustedAtOf, firingCount, firingOf, firingsDue, type EscalationPolicy } from './policy.js';

const M = 60_000;
const t0 = Date.UTC(2026, 2, 29, 0, 30);
const policy: EscalationPolicy = {
  name: 'p',
  repeat: 1,
  steps: [
    { targets: [{ type: 'schedule', name: 's' }], escalateAfterMinutes: 10 },
    { targets: [{ type: 'person', name: 'bob' }], escalateAfterMinutes: 15 },
  ],
};

describe('escalation step timing', () => {
  it('fires step after step at the sums of the delays, then repeats, then declares nobody acknowledged', () => {
    expect(firingCount(policy)).toBe(4);
    // Hand-computed: 0, +10, then the second round at +25 and +35, unacknowledged at +50.
    expect([0, 1, 2, 3].map((i) => (dueAtOf(policy, t0, i) - t0) / M)).toEqual([0, 10, 25, 35]);
    expect((exhaustedAtOf(policy, t0) - t0) / M).toBe(50);
    expect(firingOf(policy, t0, 3)).toEqual({ index: 3, step: 1, round: 1, dueAt: t0 + 35 * M });
    expect(firingOf(policy, t0, 4)).toBeNull();
  });

  it('lists what is due from the next firing on, and catches up every firing missed while away', () => {
    expect(firingsDue(policy, t0, 0, t0 - 1)).toEqual([]);
    expect(firingsDue(policy, t0, 0, t0).map((f) => f.index)).toEqual([0]);
    expect(firingsDue(policy, t0, 1, t0 + 10 * M - 1)).toEqual([]);
    expect(firingsDue(policy, t0, 1, t0 + 30 * M).map((f) => f.index)).toEqual([1, 2]);
    expect(firingsDue(policy, t0, 4, t0 + 100 * M)).toEqual([]);
  });

  it('without repeat runs once', () => {
    const once = { ...policy, repeat: 0 };
    expect(firingCount(once)).toBe(2);
    expect((exhaustedAtOf(once, t0) - t0) / M).toBe(25);
  });

  it('reports unusable policies', () => {
    expect(checkPolicy(policy)).toEqual([]);
    expect(checkPolicy({ name: 'x', repeat: -1, steps: [{ targets: [], escalateAfterMinutes: 0 }] }).map((i) => i.path.join('.'))).toEqual([
      'steps.0.targets',
      'steps.0.escalateAfter',
      'repeat',
    ]);
  });
});

describe('notification rules', () => {
  const contacts = [
    { type: 'webhook' as const },
    { type: 'email' as const, name: 'work' },
    { type: 'email' as const, name: 'home' },
    { type: 'sms' as const },
  ];

  it('without rules notifies every deliverable contact at once (sms has no notifier)', () => {
    expect(plannedNotifications(contacts, [], t0)).toEqual([
      { contactIndex: 0, rule: -1, notBefore: t0 },
      { contactIndex: 1, rule: -1, notBefore: t0 },
      { contactIndex: 2, rule: -1, notBefore: t0 },
    ]);
  });

  it('webhook at once, email after 5 minutes: a type names every contact of it, a name just one', () => {
    expect(plannedNotifications(contacts, [{ contact: 'webhook', afterMinutes: 0 }, { contact: 'email', afterMinutes: 5 }], t0)).toEqual([
      { contactIndex: 0, rule: 0, notBefore: t0 },
      { contactIndex: 1, rule: 1, notBefore: t0 + 5 * M },
      { contactIndex: 2, rule: 1, notBefore: t0 + 5 * M },
    ]);
    expect(plannedNotifications(contacts, [{ contact: 'home', afterMinutes: 15 }], t0)).toEqual([{ contactIndex: 2, rule: 0, notBefore: t0 + 15 * M }]);
  });
});
