import { describe, expect, it } from 'vitest';
import { compileMatcher, compileMatchers, seriesKey, validMatcher } from './labels.js';

describe('label matchers', () => {
  it.each([
    ['200', '200', true],
    ['200', '201', false],
    ['!5xx', '503', false],
    ['!5xx', '404', true],
    ['5xx', '500', true],
    ['5xx', '5000', false],
    ['2xx|3xx', '302', true],
    ['2xx|3xx', '404', false],
    ['~GET|POST', 'POST', true],
    ['~GET|POST', 'POSTX', false],
    ['!~5..', '503', false],
    ['', '', true],
  ])('%s matches %s: %s', (pattern, value, expected) => {
    expect(compileMatcher(pattern)(value)).toBe(expected);
  });

  it('treats a missing label as empty and ANDs matchers', () => {
    const m = compileMatchers({ code: '!5xx', region: 'eu' });
    expect(m({ code: '200', region: 'eu' })).toBe(true);
    expect(m({ code: '200' })).toBe(false);
    expect(compileMatchers({ code: '!5xx' })({})).toBe(true);
  });

  it('reports invalid regexes', () => {
    expect(validMatcher('~(')).toMatch(/Invalid regular expression/);
    expect(validMatcher('5xx')).toBeNull();
  });

  it('keys series by name and sorted labels', () => {
    expect(seriesKey('req', { b: '2', a: '1' })).toBe('req{a="1",b="2"}');
    expect(seriesKey('req', {})).toBe('req');
  });
});
