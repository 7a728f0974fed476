import { describe, expect, it } from 'vitest';
import { ArrayCountSeries } from '../slo/array-series.js';
import { compileSlo, type CompiledSlo, type SloDefinition } from '../slo/definition.js';
import {
  businessDaysAfter,
  defaultPostmortemPolicy,
  editError,
  emptySections,
  goalsMissed,
  isOverdue,
  postmortemPolicyFromEnv,
  postmortemReasons,
  postmortemWarnings,
  sloImpact,
  budgetBasisRanges,
  transitionError,
  PolicyError,
} from './index.js';

const MIN = 60_000;
const t = (iso: string) => Date.parse(iso);

function compiled(def: Partial<SloDefinition>): CompiledSlo {
  const r = compileSlo({ name: 'checkout-availability', objective: 99.9, window: { rolling: 30 * 1440 }, budgeting: 'occurrences', ...def });
  if (!r.ok) throw new Error(r.errors.join('; '));
  return r.slo;
}

describe('postmortem policy', () => {
  it('requires one for SEV1–2 and for paged incidents by default, with the reasons', () => {
    expect(postmortemReasons(defaultPostmortemPolicy, { severity: 'SEV2', paged: false })).toEqual(['severity SEV2 (policy: SEV1, SEV2)']);
    expect(postmortemReasons(defaultPostmortemPolicy, { severity: 'SEV3', paged: true })).toEqual(['someone was paged']);
    expect(postmortemReasons(defaultPostmortemPolicy, { severity: 'SEV4', paged: false })).toEqual([]);
  });

  it('reads the environment and names the variable that is wrong', () => {
    const p = postmortemPolicyFromEnv({ PAVE_POSTMORTEM_SEVERITIES: 'SEV1', PAVE_POSTMORTEM_PAGED: 'false', PAVE_POSTMORTEM_DUE_DAYS: '3', PAVE_INCIDENT_GOAL_TTE: 'none' });
    expect(p).toEqual({ severities: ['SEV1'], paged: false, dueBusinessDays: 3, goals: { ttdMinutes: 10, tteMinutes: null, ttmMinutes: 60 } });
    expect(postmortemReasons(p, { severity: 'SEV2', paged: true })).toEqual([]);
    expect(() => postmortemPolicyFromEnv({ PAVE_POSTMORTEM_DUE_DAYS: 'five' })).toThrow(/PAVE_POSTMORTEM_DUE_DAYS.*'five'/);
    expect(() => postmortemPolicyFromEnv({ PAVE_POSTMORTEM_PAGED: 'yes' })).toThrow(PolicyError);
    expect(() => postmortemPolicyFromEnv({ PAVE_INCIDENT_GOAL_TTD: '-3' })).toThrow(/PAVE_INCIDENT_GOAL_TTD/);
  });

  it('counts business days Monday to Friday in the team zone', () => {
    // Friday 2026-11-20 15:00 UTC → next Friday; due at the end of that day in UTC.
    expect(businessDaysAfter(t('2026-11-20T15:00:00Z'), 5, 'UTC')).toEqual({ date: '2026-11-27', dueAt: t('2026-11-28T00:00:00Z') });
    // Saturday: Monday is the first day.
    expect(businessDaysAfter(t('2026-11-21T09:00:00Z'), 1, 'UTC').date).toBe('2026-11-23');
    // 23:30 UTC on Friday is already Saturday in Tokyo: 5 days run Mon..Fri of the next week, due at Tokyo midnight.
    expect(businessDaysAfter(t('2026-11-20T23:30:00Z'), 5, 'Asia/Tokyo')).toEqual({ date: '2026-11-27', dueAt: t('2026-11-27T15:00:00Z') });
    // Across the Paris DST change (25 October 2026): due at local midnight, UTC+1 after the change.
    expect(businessDaysAfter(t('2026-10-23T10:00:00Z'), 2, 'Europe/Paris')).toEqual({ date: '2026-10-27', dueAt: t('2026-10-27T23:00:00Z') });
    expect(() => businessDaysAfter(0, 5, 'Mars/Olympus')).toThrow(/unknown time zone/);
  });
});

describe('lifecycle', () => {
  it('allows draft → in review → published and back to draft from review, nothing else', () => {
    expect(transitionError('draft', 'in_review')).toBeNull();
    expect(transitionError('in_review', 'draft')).toBeNull();
    expect(transitionError('in_review', 'published')).toBeNull();
    expect(transitionError('draft', 'published')).toBe('a postmortem in draft can move to in_review, not to published');
    expect(transitionError('published', 'draft')).toMatch(/published: it can no longer change status/);
    expect(transitionError('draft', 'draft')).toBe('the postmortem is already draft');
    expect(editError('published')).not.toBeNull();
    expect(editError('in_review')).toBeNull();
  });

  it('calls an item overdue only after its whole due day, until it is closed', () => {
    const item = { status: 'open' as const, dueDate: '2026-11-20', closedAt: null };
    expect(isOverdue(item, t('2026-11-20T23:59:00Z'))).toBe(false);
    expect(isOverdue(item, t('2026-11-21T00:00:00Z'))).toBe(true);
    expect(isOverdue({ ...item, status: 'done', closedAt: '2026-11-22T00:00:00Z' }, t('2026-11-21T12:00:00Z'))).toBe(true);
    expect(isOverdue({ ...item, status: 'done', closedAt: '2026-11-22T00:00:00Z' }, t('2026-11-23T00:00:00Z'))).toBe(false);
    expect(isOverdue({ ...item, dueDate: null }, t('2030-01-01T00:00:00Z'))).toBe(false);
  });
});

describe('advisory warnings', () => {
  const people = [{ name: 'alice', displayName: 'Alice Martin' }, { name: 'bob' }];

  it('warns about "human error" and about people named as causes, in root causes and contributing factors only', () => {
    const w = postmortemWarnings({
      sections: { ...emptySections, rootCauses: 'Human error: a config push', contributingFactors: 'Alice Martin ran the script', summary: 'alice led the response' },
      people,
      missed: [],
      actionItems: [],
    });
    expect(w.map((x) => [x.code, x.field])).toEqual([
      ['blame_human_error', 'rootCauses'],
      ['blame_person', 'contributingFactors'],
    ]);
    expect(w[0]!.message).toContain('"Human error"');
  });

  it('matches whole names only: "bobsled" and "alice-api" are not people', () => {
    const w = postmortemWarnings({ sections: { ...emptySections, rootCauses: 'bobsled cache and the alice-api retry storm' }, people, missed: [], actionItems: [] });
    expect(w).toEqual([]);
  });

  it('asks for a repair item of the missed goal\'s tag until one exists', () => {
    const missed = goalsMissed({ ttdMinutes: 25, tteMinutes: 5, ttfMinutes: 50, ttmMinutes: 80 }, defaultPostmortemPolicy.goals);
    expect(missed).toEqual([
      { metric: 'TTD', minutes: 25, goalMinutes: 10, tag: 'detection' },
      { metric: 'TTM', minutes: 80, goalMinutes: 60, tag: 'diagnosis' },
    ]);
    const before = postmortemWarnings({ sections: emptySections, people, missed, actionItems: [{ type: 'detect', tag: 'detection' }] });
    expect(before.map((x) => x.field)).toEqual(['metrics.TTD', 'metrics.TTM']);
    const after = postmortemWarnings({ sections: emptySections, people, missed, actionItems: [{ type: 'repair', tag: 'detection' }, { type: 'repair', tag: 'diagnosis' }] });
    expect(after).toEqual([]);
    // Exactly at the goal is not a miss; unknown metrics are not judged.
    expect(goalsMissed({ ttdMinutes: 10, tteMinutes: null, ttfMinutes: null, ttmMinutes: null }, defaultPostmortemPolicy.goals)).toEqual([]);
  });
});

describe('impact on an SLO', () => {
  const start = t('2026-11-10T00:00:00Z');

  it('occurrences: bad events of the incident over B × events of the SLO window at its end', () => {
    const slo = compiled({});
    // Two hours of data: 1,000 requests a minute; 30 minutes of incident at 100 bad a minute.
    const minutes = Array.from({ length: 120 }, (_, i) => ({ good: i >= 60 && i < 90 ? 900 : 1000, total: 1000 }));
    const series = new ArrayCountSeries(start, minutes);
    const from = start + 60 * MIN + 20_000; // 01:00:20 → floored to 01:00
    const to = start + 89 * MIN + 30_000; // 01:29:30 → ceiled to 01:30
    const r = sloImpact({ slo, service: 'checkout', fromMs: from, toMs: to, series, windowEvents: 90_000 });
    expect(r.from).toBe('2026-11-10T01:00:00.000Z');
    expect(r.to).toBe('2026-11-10T01:30:00.000Z');
    expect(r.durationMinutes).toBe(30);
    expect(r.events).toBe(30_000);
    expect(r.badEvents).toBe(3_000);
    expect(r.bad).toBe(3_000);
    expect(r.unit).toBe('events');
    // 3,000 / (0.001 × 90,000) = 33.33…: the incident spent the budget 33 times over.
    expect(r.budgetTotal).toBe(90);
    expect(r.budgetConsumedFraction).toBe(3_000 / 90);
  });

  it('timeslices: bad minutes over B × period minutes, whole slices, corrections excluded', () => {
    const slo = compiled({
      budgeting: 'timeslices',
      timeslice: { minutes: 5, thresholdPercent: 95 },
      window: { rolling: 1440 },
      corrections: [{ start: start + 10 * MIN, end: start + 15 * MIN, reason: 'maintenance', author: 'alice' }],
    });
    // Minutes 0..29: minutes 5..19 are 50% bad.
    const minutes = Array.from({ length: 30 }, (_, i) => ({ good: i >= 5 && i < 20 ? 5 : 10, total: 10 }));
    const series = new ArrayCountSeries(start, minutes);
    const r = sloImpact({ slo, service: 'checkout', fromMs: start + 7 * MIN, toMs: start + 18 * MIN, series, windowEvents: 0 });
    // Window on the 5-minute grid: [5, 20); slice 10–15 is excluded; slices 5–10 and 15–20 are bad.
    expect([r.from, r.to]).toEqual(['2026-11-10T00:05:00.000Z', '2026-11-10T00:20:00.000Z']);
    expect(r.excludedMinutes).toBe(5);
    expect(r.unit).toBe('minutes');
    expect(r.bad).toBe(10);
    expect(r.events).toBe(100);
    expect(r.badEvents).toBe(50);
    // 10 bad minutes of an allowed 0.001 × 1,440 = 1.44.
    expect(r.budgetTotal).toBeCloseTo(1.44, 12);
    expect(r.budgetConsumedFraction).toBe(10_000 / 1_440);
  });

  it('the budget basis is the SLO window at the incident end, from the SLO start', () => {
    const slo = compiled({ window: { rolling: 60 }, startMs: start + 30 * MIN });
    expect(budgetBasisRanges(slo, start + 70 * MIN)).toEqual([{ start: start + 30 * MIN, end: start + 70 * MIN }]);
    const series = new ArrayCountSeries(start, Array.from({ length: 60 }, () => ({ good: 0, total: 1 })));
    const r = sloImpact({ slo, service: 'checkout', fromMs: start, toMs: start + 40 * MIN, series, windowEvents: 1000 });
    expect(r.from).toBe('2026-11-10T00:30:00.000Z');
    expect(r.badEvents).toBe(10);
  });
});
