import { describe, expect, it } from 'vitest';
import { allowedTransitions, incidentStatuses, timesAfterTransition, transitionRefusal } from './lifecycle.js';
import { engagement, timeMetrics } from './metrics.js';
import { mayDeclareIncident, mayEditIncident, mayPostStatusUpdate } from './permissions.js';
import { describeIncidentEvent, orderTimeline, type TimelineEntry } from './timeline.js';

const MIN = 60_000;

describe('incident lifecycle', () => {
  it('allows forward moves and relapses, refuses staying put and anything after resolved', () => {
    const allowed = Object.fromEntries(incidentStatuses.map((s) => [s, [...allowedTransitions(s)]]));
    expect(allowed).toEqual({
      investigating: ['identified', 'monitoring', 'resolved'],
      identified: ['investigating', 'monitoring', 'resolved'],
      monitoring: ['investigating', 'identified', 'resolved'],
      resolved: [],
    });
    for (const from of incidentStatuses) {
      for (const to of incidentStatuses) expect(transitionRefusal(from, to) === null, `${from} → ${to}`).toBe(allowed[from]!.includes(to));
    }
    expect(transitionRefusal('resolved', 'investigating')).toContain('declare a new incident');
    expect(transitionRefusal('identified', 'identified')).toBe('the incident is already identified');
  });

  it('sets mitigation on monitoring (keeping a stated one), clears it on a relapse, and resolves with both', () => {
    expect(timesAfterTransition('monitoring', { mitigatedAt: null, resolvedAt: null }, 100)).toEqual({ mitigatedAt: 100, resolvedAt: null });
    expect(timesAfterTransition('monitoring', { mitigatedAt: 50, resolvedAt: null }, 100)).toEqual({ mitigatedAt: 50, resolvedAt: null });
    expect(timesAfterTransition('investigating', { mitigatedAt: 50, resolvedAt: null }, 100)).toEqual({ mitigatedAt: null, resolvedAt: null });
    expect(timesAfterTransition('resolved', { mitigatedAt: null, resolvedAt: null }, 100)).toEqual({ mitigatedAt: 100, resolvedAt: 100 });
    expect(timesAfterTransition('resolved', { mitigatedAt: 70, resolvedAt: null }, 100)).toEqual({ mitigatedAt: 70, resolvedAt: 100 });
  });
});

describe('incident time metrics (REFERENCE §3)', () => {
  it('computes TTD, TTE, TTF and TTM = their sum', () => {
    expect(timeMetrics({ impactStartAt: 0, detectedAt: 20 * MIN, engagedAt: 23 * MIN, mitigatedAt: 35 * MIN })).toEqual({ ttdMs: 20 * MIN, tteMs: 3 * MIN, ttfMs: 12 * MIN, ttmMs: 35 * MIN });
  });
  it('leaves what is not known null: nobody engaged means no TTE, TTF or TTM even once mitigated', () => {
    expect(timeMetrics({ impactStartAt: 0, detectedAt: 5, engagedAt: null, mitigatedAt: null })).toEqual({ ttdMs: 5, tteMs: null, ttfMs: null, ttmMs: null });
    expect(timeMetrics({ impactStartAt: 0, detectedAt: 5, engagedAt: null, mitigatedAt: 9 })).toEqual({ ttdMs: 5, tteMs: null, ttfMs: null, ttmMs: null });
    expect(timeMetrics({ impactStartAt: 0, detectedAt: 5, engagedAt: 7, mitigatedAt: null })).toEqual({ ttdMs: 5, tteMs: 2, ttfMs: null, ttmMs: null });
  });
  it('has no TTF when the impact ended before anyone engaged', () => {
    expect(timeMetrics({ impactStartAt: 0, detectedAt: 5, engagedAt: 20, mitigatedAt: 10 })).toEqual({ ttdMs: 5, tteMs: 15, ttfMs: null, ttmMs: null });
  });
  it('takes engagement from a stated time, else the earliest acknowledgement or role join, never before detection', () => {
    expect(engagement(100, null, [], [])).toBeNull();
    expect(engagement(100, 150, [120], [110])).toEqual({ at: 150, source: 'stated' });
    expect(engagement(100, null, [130, 120], [125])).toEqual({ at: 120, source: 'acknowledgement' });
    expect(engagement(100, null, [130], [115])).toEqual({ at: 115, source: 'role' });
    expect(engagement(100, null, [90], [])).toEqual({ at: 100, source: 'acknowledgement' });
  });
});

describe('incident permissions', () => {
  const member = (team: string) => ({ actor: `token:x (${team})`, role: 'member' as const, team });
  const responders = { owningTeams: ['payments'], pagedTeams: ['sre'], roleHolderTeams: ['storefront'] };
  it('lets the owning, paged and role-holding teams and admins edit; nobody else', () => {
    for (const team of ['payments', 'sre', 'storefront']) expect(mayEditIncident(member(team), '1', responders).allowed).toBe(true);
    expect(mayEditIncident({ actor: 'a', role: 'admin' }, '1', { owningTeams: [], pagedTeams: [], roleHolderTeams: [] }).allowed).toBe(true);
    expect(mayEditIncident(member('search'), '1', responders)).toEqual({ allowed: false, reason: 'incident 1 is handled by payments, sre, storefront, not search: only their members or an admin may change it' });
    expect(mayEditIncident({ actor: 'v', role: 'viewer' }, '1', responders).allowed).toBe(false);
    expect(mayEditIncident(member('payments'), '1', { owningTeams: [], pagedTeams: [], roleHolderTeams: [] }).allowed).toBe(false);
  });
  it('lets a member declare for an owned service or a page of their team', () => {
    expect(mayDeclareIncident(member('payments'), ['payments'], []).allowed).toBe(true);
    expect(mayDeclareIncident(member('sre'), [], ['sre']).allowed).toBe(true);
    expect(mayDeclareIncident(member('sre'), ['payments'], []).allowed).toBe(false);
    expect(mayDeclareIncident(member('sre'), [], []).allowed).toBe(false);
  });
  it('lets only the communications lead (through a team of theirs) or an admin post status updates', () => {
    expect(mayPostStatusUpdate(member('payments'), '1', 'bob', ['payments']).allowed).toBe(true);
    expect(mayPostStatusUpdate(member('storefront'), '1', 'bob', ['payments']).allowed).toBe(false);
    expect(mayPostStatusUpdate(member('payments'), '1', null, []).allowed).toBe(false);
    expect(mayPostStatusUpdate({ actor: 'a', role: 'admin' }, '1', null, []).allowed).toBe(true);
  });
});

describe('incident timeline', () => {
  const entry = (at: string, source: TimelineEntry['source'], type: string): TimelineEntry => ({ at, source, type, summary: type, actor: null, ref: {}, details: {} });
  it('orders by time, then cause before reaction at one instant, then as given', () => {
    const t = '2026-01-01T00:00:00.000Z';
    const ordered = orderTimeline([entry(t, 'incident', 'declared'), entry('2025-12-31T23:59:00.000Z', 'page', 'triggered'), entry(t, 'change', 'deploy'), entry(t, 'slo_alert', 'firing'), entry(t, 'incident', 'note')]);
    expect(ordered.map((e) => e.type)).toEqual(['triggered', 'deploy', 'firing', 'declared', 'note']);
  });
  it('describes hand-overs and notes in words', () => {
    expect(describeIncidentEvent('role_assigned', 'x', { role: 'communications', person: 'bob', previous: 'alice' })).toBe('communications lead handed over from alice to bob');
    expect(describeIncidentEvent('note', 'x', { kind: 'dead_end', text: 'not DNS' })).toBe('Dead end: not DNS');
  });
});
