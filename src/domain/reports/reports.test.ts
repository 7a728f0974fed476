import { describe, expect, it } from 'vitest';
import { incidentMetrics, percentilesOf, repairDebt, type DebtItem } from './metrics.js';
import { escapeHtml, isoWeekOf, isoWeekRange, weeklyHtml, weeklyMarkdown, type WeeklyReport } from './weekly.js';

describe('percentiles', () => {
  it('nearest rank over values that occurred', () => {
    expect(percentilesOf([])).toBeNull();
    expect(percentilesOf([7])).toEqual({ count: 1, p50: 7, p90: 7, max: 7 });
    // Ten values: p50 is the 5th, p90 the 9th.
    expect(percentilesOf([10, 1, 9, 2, 8, 3, 7, 4, 6, 5])).toEqual({ count: 10, p50: 5, p90: 9, max: 10 });
  });

  it('groups incidents by each service and team they touched; unknown metrics are left out', () => {
    const r = incidentMetrics([
      { id: '1', services: ['checkout', 'payments-api'], teams: ['payments'], detectedBy: 'monitoring', ttdMinutes: 2, tteMinutes: 5, ttfMinutes: 30, ttmMinutes: 37 },
      { id: '2', services: ['checkout'], teams: ['payments'], detectedBy: 'customer', ttdMinutes: 40, tteMinutes: null, ttfMinutes: null, ttmMinutes: null },
      { id: '3', services: ['web'], teams: ['storefront'], detectedBy: 'monitoring', ttdMinutes: 1, tteMinutes: 1, ttfMinutes: 1, ttmMinutes: 3 },
    ]);
    expect(r.all.incidents).toBe(3);
    expect(r.all.customerDetected).toBe(1);
    expect(r.byService.map((g) => g.name)).toEqual(['checkout', 'payments-api', 'web']);
    expect(r.byService[0]!.ttd).toEqual({ count: 2, p50: 2, p90: 40, max: 40 });
    expect(r.byService[0]!.tte).toEqual({ count: 1, p50: 5, p90: 5, max: 5 });
    expect(r.byTeam.map((g) => [g.name, g.incidents])).toEqual([['payments', 2], ['storefront', 1]]);
  });
});

describe('repair debt', () => {
  const item = (over: Partial<DebtItem>): DebtItem => ({ status: 'open', dueDate: null, createdAt: '2026-11-01T00:00:00Z', closedAt: null, team: 'payments', service: 'checkout', ...over });

  it('counts open and overdue at each step and per team and service at the end', () => {
    const items = [
      item({ dueDate: '2026-11-03' }),
      item({ dueDate: '2026-11-10', status: 'done', closedAt: '2026-11-05T12:00:00Z' }),
      item({ createdAt: '2026-11-06T00:00:00Z', team: 'storefront', service: 'web', dueDate: '2026-11-06' }),
    ];
    const r = repairDebt(items, Date.parse('2026-11-01T00:00:00Z'), Date.parse('2026-11-08T00:00:00Z'), 2);
    expect(r.points).toEqual([
      { at: '2026-11-01T00:00:00.000Z', open: 2, overdue: 0 },
      { at: '2026-11-03T00:00:00.000Z', open: 2, overdue: 0 },
      { at: '2026-11-05T00:00:00.000Z', open: 2, overdue: 1 },
      { at: '2026-11-07T00:00:00.000Z', open: 2, overdue: 2 },
      { at: '2026-11-08T00:00:00.000Z', open: 2, overdue: 2 },
    ]);
    expect(r.byTeam).toEqual([
      { name: 'payments', open: 1, overdue: 1 },
      { name: 'storefront', open: 1, overdue: 1 },
    ]);
    expect(r.byService.map((g) => g.name)).toEqual(['checkout', 'web']);
  });
});

describe('weekly report', () => {
  it('ISO weeks in UTC, including week 53 and the year boundary', () => {
    expect(isoWeekRange('2026-W47')).toEqual({ from: Date.parse('2026-11-16T00:00:00Z'), to: Date.parse('2026-11-23T00:00:00Z') });
    expect(isoWeekRange('2026-W01')!.from).toBe(Date.parse('2025-12-29T00:00:00Z'));
    expect(isoWeekRange('2026-W53')).toEqual({ from: Date.parse('2026-12-28T00:00:00Z'), to: Date.parse('2027-01-04T00:00:00Z') });
    expect(isoWeekRange('2025-W53')).toBeNull();
    expect(isoWeekRange('2026-47')).toBeNull();
    expect(isoWeekOf(Date.parse('2027-01-03T23:59:00Z'))).toBe('2026-W53');
    expect(isoWeekOf(Date.parse('2026-11-22T10:00:00Z'))).toBe('2026-W47');
  });

  const report: WeeklyReport = {
    week: '2026-W47',
    from: '2026-11-16T00:00:00.000Z',
    to: '2026-11-23T00:00:00.000Z',
    slos: [],
    pages: { total: 1, byTeam: [{ team: 'payments', pages: 1, nightPages: 0 }] },
    oncall: [],
    incidents: [{ id: '4', title: '<script>alert("x")</script> & | pipes', severity: 'SEV1', status: 'resolved', services: ['checkout'], detectedBy: 'customer', ttdMinutes: 12.25, tteMinutes: null, ttfMinutes: null, ttmMinutes: null }],
    overdueActionItems: [],
    postmortemsDue: [],
  };

  it('HTML escapes every value', () => {
    const html = weeklyHtml(report);
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; | pipes');
    expect(escapeHtml(`<a href='x'>`)).toBe('&lt;a href=&#39;x&#39;&gt;');
  });

  it('Markdown escapes table cells', () => {
    const md = weeklyMarkdown(report);
    expect(md).toContain('| 4 | <script>alert("x")</script> & \\| pipes | SEV1 | resolved | checkout | customer | 12.3 | — | — | — |');
    expect(md).toContain('No SLOs.');
  });
});
