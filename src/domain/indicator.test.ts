import { describe, expect, it } from 'vitest';
import { applyTerms, indicatorTerms, type SeriesInfo } from './indicator.js';

const series: SeriesInfo[] = [
  { id: '1', name: 'req', labels: { code: '200' } },
  { id: '2', name: 'req', labels: { code: '503' } },
  { id: '3', name: 'req', labels: { code: '404' } },
  { id: '4', name: 'lat', labels: { le: '0.1' } },
  { id: '5', name: 'lat', labels: { le: '0.3' } },
  { id: '6', name: 'lat', labels: { le: '+Inf' } },
  { id: '7', name: 'ev', labels: { status: '200' } },
  { id: '8', name: 'ev', labels: { status: '200', le: '300' } },
  { id: '9', name: 'ev', labels: { status: '503' } },
  { id: '10', name: 'ev', labels: { status: '503', le: '300' } },
  { id: '11', name: 'ev', labels: { status: '404' } },
  { id: '12', name: 'ev', labels: { status: '404', le: '300' } },
];
// Per series: [good, total] for one minute.
const counts: Record<string, [number, number]> = {
  '1': [90, 90], '2': [0, 6], '3': [4, 4], '4': [50, 50], '5': [80, 80], '6': [100, 100],
  '7': [70, 70], '8': [60, 60], '9': [5, 5], '10': [5, 5], '11': [25, 25], '12': [25, 25],
};
function evaluate(indicator: Parameters<typeof indicatorTerms>[0]) {
  const terms = indicatorTerms(indicator, series);
  const out = { good: 0, total: 0 };
  for (const [id, [g, t]] of Object.entries(counts)) applyTerms(terms.filter((x) => x.seriesId === id), g, t, out);
  return out;
}

describe('indicatorTerms', () => {
  it('ratio with a good selector sums the good column of matching series', () => {
    expect(evaluate({ ratio: { good: { series: 'req', match: { code: '!5xx' } }, total: { series: 'req' } } })).toEqual({ good: 94, total: 100 });
  });
  it('ratio with a bad selector is total minus the bad events', () => {
    expect(evaluate({ ratio: { bad: { series: 'req', match: { code: '5xx' } }, total: { series: 'req' } } })).toEqual({ good: 94, total: 100 });
  });
  it('latency reads the bucket at the threshold and +Inf', () => {
    expect(evaluate({ latency: { series: 'lat', threshold: 0.3 } })).toEqual({ good: 80, total: 100 });
  });
  it('events count good statuses within the latency threshold, with or without client errors', () => {
    expect(evaluate({ events: { series: 'ev', good: { status: ['2xx'], maxLatencyMs: 300 }, excludeClientErrors: false } })).toEqual({ good: 60, total: 100 });
    expect(evaluate({ events: { series: 'ev', good: { status: ['2xx'], maxLatencyMs: 300 }, excludeClientErrors: true } })).toEqual({ good: 60, total: 75 });
    expect(evaluate({ events: { series: 'ev', good: { status: ['2xx', '4xx'] }, excludeClientErrors: false } })).toEqual({ good: 95, total: 100 });
  });
});
