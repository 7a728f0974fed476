import { describe, expect, it } from 'vitest';
import { countSelectors, formatSeries, isPlainSum, promDuration, promqlForWindow, promqlProblems, selectorMatches, tokenizePromql, usesRate } from './promql.js';

const good = 'sum(increase(http_requests_total{job="checkout",code!~"5.."}[{{window}}]))';

describe('promDuration', () => {
  it('writes whole minutes the way Prometheus reads durations', () => {
    expect(promDuration(5)).toBe('5m');
    expect(promDuration(30)).toBe('30m');
    expect(promDuration(60)).toBe('1h');
    expect(promDuration(120)).toBe('2h');
    expect(promDuration(1_440)).toBe('1d');
    expect(promDuration(4_320)).toBe('3d');
    expect(promDuration(43_200)).toBe('30d');
    expect(promDuration(40_320)).toBe('28d');
    expect(promDuration(10_080)).toBe('7d');
    expect(promDuration(90)).toBe('90m');
    expect(promDuration(61)).toBe('61m');
  });

  it('refuses what is not a positive whole number of minutes', () => {
    expect(() => promDuration(0)).toThrow(/positive whole number of minutes/);
    expect(() => promDuration(1.5)).toThrow(/positive whole number of minutes/);
    expect(() => promDuration(-5)).toThrow(/positive whole number of minutes/);
  });
});

describe('promqlForWindow', () => {
  it('substitutes every {{window}}', () => {
    expect(promqlForWindow(good, 5)).toBe('sum(increase(http_requests_total{job="checkout",code!~"5.."}[5m]))');
    expect(promqlForWindow('sum(increase(a[{{window}}])) + sum(increase(b[{{ window }}]))', 1_440)).toBe('sum(increase(a[1d])) + sum(increase(b[1d]))');
  });

  it('leaves string literals alone', () => {
    expect(promqlForWindow('sum(increase(a{path="/{{window}}"}[{{window}}]))', 60)).toBe('sum(increase(a{path="/{{window}}"}[1h]))');
  });
});

describe('promqlProblems', () => {
  it('accepts a count over {{window}}, subqueries and latency buckets', () => {
    expect(promqlProblems(good)).toEqual([]);
    expect(promqlProblems('sum(increase(http_request_duration_seconds_bucket{le="0.3"}[{{window}}]))')).toEqual([]);
    expect(promqlProblems('sum(increase(x[{{window}}:1m]))')).toEqual([]);
    expect(promqlProblems('sum by (code) (increase(x[{{ window }}]))')).toEqual([]);
  });

  it('names a missing window', () => {
    expect(promqlProblems('sum(increase(http_requests_total[5m]))')).toEqual([
      'the expression must count the events over the window {{window}}, e.g. sum(increase(http_requests_total{code!~"5.."}[{{window}}])); it has no {{window}}',
    ]);
  });

  it("suggests {{window}} for Sloth's {{.window}}, and refuses other placeholders", () => {
    expect(promqlProblems('sum(rate(x[{{.window}}]))')).toEqual([
      "{{.window}} is Sloth's spelling: pave writes the window as {{window}}, e.g. increase(http_requests_total[{{window}}])",
    ]);
    expect(promqlProblems('sum(increase(x{job="{{service}}"}[{{window}}]))')).toEqual([]);
    expect(promqlProblems('sum(increase(x{job={{service}}}[{{window}}]))')).toContain('unknown placeholder {{service}}: pave substitutes only {{window}}');
  });

  it('wants {{window}} inside a range', () => {
    expect(promqlProblems('sum(increase(x[5m])) * {{window}}')).toEqual([
      '{{window}} stands for a range such as 5m and belongs inside brackets: increase(http_requests_total[{{window}}])',
    ]);
  });

  it('finds unbalanced brackets and unclosed strings', () => {
    expect(promqlProblems('sum(increase(x[{{window}}])')).toEqual(['"(" at character 4 is never closed']);
    expect(promqlProblems('sum(increase(x[{{window}}))')).toEqual(['"[" at character 15 is closed by ")" at character 26', '"(" at character 4 is never closed']);
    expect(promqlProblems('sum(increase(x{a="b}[{{window}}]))')).toEqual(['a string opened with " at character 18 is never closed']);
    expect(promqlProblems('  ')).toEqual(['an empty expression: write the count of events over {{window}}, e.g. sum(increase(http_requests_total[{{window}}]))']);
  });
});

describe('tokenizePromql', () => {
  it('reads strings with escapes, durations in brackets, placeholders and comments', () => {
    const t = tokenizePromql('x{a="q\\"uote"}[{{window}}:1m] offset 5m # why\n');
    expect(t.map((k) => `${k.kind}:${k.text}`)).toEqual([
      'identifier:x',
      'punct:{',
      'identifier:a',
      'operator:=',
      'string:"q\\"uote"',
      'punct:}',
      'punct:[',
      'placeholder:{{window}}',
      'identifier::1m',
      'punct:]',
      'identifier:offset',
      'duration:5m',
    ]);
    expect(t[4]!.value).toBe('q"uote');
  });
});

describe('usesRate', () => {
  it('spots rate() and irate(), not a metric named rate_total', () => {
    expect(usesRate('sum(rate(x[{{window}}]))')).toBe(true);
    expect(usesRate('sum(irate(x[{{window}}]))')).toBe(true);
    expect(usesRate(good)).toBe(false);
    expect(usesRate('sum(increase(rate_total[{{window}}]))')).toBe(false);
  });
});

describe('countSelectors', () => {
  it('reads the selectors of sums of increases', () => {
    expect(countSelectors(good)).toEqual([
      { name: 'http_requests_total', matchers: [{ label: 'job', op: '=', value: 'checkout' }, { label: 'code', op: '!~', value: '5..' }] },
    ]);
    expect(countSelectors('sum by (code) (increase(a[{{window}}])) + (sum(increase({__name__="b",x="1"}[{{window}}])) by (x))')).toEqual([
      { name: 'a', matchers: [] },
      { name: 'b', matchers: [{ label: 'x', op: '=', value: '1' }] },
    ]);
  });

  it('is null for anything it cannot model exactly', () => {
    for (const e of [
      'sum(rate(x[{{window}}]))',
      'sum(increase(x[{{window}}])) - sum(increase(y[{{window}}]))',
      'sum(increase(x[{{window}}] offset 5m))',
      'sum(increase({__name__=~"a|b"}[{{window}}]))',
      'sum(increase(x[{{window}}])) * 2',
      'sum(increase(x[5m]))',
      'max(increase(x[{{window}}]))',
      'sum(increase(x[{{window}}]',
    ]) {
      expect(countSelectors(e), e).toBeNull();
    }
  });
});

describe('selectorMatches and formatSeries', () => {
  const sel = countSelectors(good)![0]!;
  it('matches as Prometheus does: anchored regexes, a missing label is empty', () => {
    expect(selectorMatches(sel, 'http_requests_total', { job: 'checkout', code: '200' })).toBe(true);
    expect(selectorMatches(sel, 'http_requests_total', { job: 'checkout', code: '503' })).toBe(false);
    expect(selectorMatches(sel, 'http_requests_total', { job: 'checkout', code: '5000' })).toBe(true);
    expect(selectorMatches(sel, 'http_requests_total', { job: 'checkout' })).toBe(true);
    expect(selectorMatches(sel, 'http_requests', { job: 'checkout', code: '200' })).toBe(false);
  });

  it('writes series with sorted, quoted labels and drops empty ones', () => {
    expect(formatSeries('x', { le: '+Inf', code: '', job: 'a"b' })).toBe('x{job="a\\"b",le="+Inf"}');
    expect(formatSeries('x', {})).toBe('x');
  });
});

describe('isPlainSum', () => {
  it('is true only for one sum(...) around the whole expression, without grouping', () => {
    expect(isPlainSum(good)).toBe(true);
    expect(isPlainSum('sum(increase(a[{{window}}])) + sum(increase(b[{{window}}]))')).toBe(false);
    expect(isPlainSum('sum by (code) (increase(a[{{window}}]))')).toBe(false);
    expect(isPlainSum('sum(increase(a[{{window}}])) by (code)')).toBe(false);
    expect(isPlainSum('increase(a[{{window}}])')).toBe(false);
  });
});
