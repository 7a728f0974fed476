// Input series for promtool tests: counters that make an SLO's own PromQL count the good and bad events a test
// scenario wants. Works for the form pave can model exactly (sums of `increase(selector[{{window}}])`, see
// domain/promql countSelectors): it looks for label values that put a good event in the numerator and the total (or
// only the total) and a bad event the other way round, checking each candidate with the selectors' own matchers.

import { countSelectors, formatSeries, labelRegex, selectorMatches, type VectorSelector } from '../domain/promql.js';
import type { PromqlIndicator } from './model.js';

/** One synthetic counter and how much each good and each bad event adds to it. */
export interface SyntheticSeries {
  name: string;
  labels: Record<string, string>;
  perGood: number;
  perBad: number;
}

interface Candidate {
  name: string;
  labels: Record<string, string>;
}

/** How many times the selectors of one expression count a series (an expression sums every selector it has). */
function countIn(selectors: readonly VectorSelector[], c: Candidate): number {
  return selectors.filter((s) => selectorMatches(s, c.name, c.labels)).length;
}

/** Example strings for an RE2 pattern, one per top-level alternative, checked later against the pattern itself. */
export function regexExamples(pattern: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') i++;
    else if (c === '(' || c === '[') depth++;
    else if (c === ')' || c === ']') depth--;
    else if (c === '|' && depth === 0) {
      out.push(example(pattern.slice(start, i)));
      start = i + 1;
    }
  }
  out.push(example(pattern.slice(start)));
  return out;
}

/** One string an alternative matches, for the simple patterns label matchers use (`5..`, `2\d\d`, `[45]xx`, `(a|b)c`). */
function example(alt: string): string {
  let out = '';
  let last = '';
  for (let i = 0; i < alt.length; i++) {
    const c = alt[i]!;
    let piece: string;
    if (c === '\\') {
      const e = alt[++i] ?? '';
      piece = e === 'd' ? '0' : e === 'w' ? 'a' : e === 's' ? ' ' : e;
    } else if (c === '.') piece = '0';
    else if (c === '[') {
      const end = alt.indexOf(']', i + 2);
      const body = alt.slice(i + 1, end < 0 ? alt.length : end);
      piece = body.startsWith('^') ? 'z' : (body.replace(/^\\/, '')[0] ?? '');
      i = end < 0 ? alt.length : end;
    } else if (c === '(') {
      // The group's first alternative.
      let depth = 1;
      let j = i + 1;
      while (j < alt.length && depth > 0) {
        if (alt[j] === '\\') j++;
        else if (alt[j] === '(') depth++;
        else if (alt[j] === ')') depth--;
        j++;
      }
      const inner = alt.slice(i + 1, j - 1).replace(/^\?:/, '');
      piece = regexExamples(inner)[0] ?? '';
      i = j - 1;
    } else if (c === '*' || c === '?') {
      out = out.slice(0, out.length - last.length);
      last = '';
      continue;
    } else if (c === '+') continue;
    else if (c === '{') {
      const m = /^\{(\d+)(,\d*)?\}/.exec(alt.slice(i));
      if (m) {
        out = out.slice(0, out.length - last.length) + last.repeat(Number(m[1]));
        i += m[0].length - 1;
        continue;
      }
      piece = c;
    } else if (c === '^' || c === '$') continue;
    else piece = c;
    out += piece;
    last = piece;
  }
  return out;
}

/** Values worth trying for one label: those the matchers name, examples of their patterns, then common ones. */
function valuePool(selectors: readonly VectorSelector[], name: string, label: string): string[] {
  const pool: string[] = [];
  for (const s of selectors) {
    if (s.name !== name) continue;
    for (const m of s.matchers) {
      if (m.label !== label) continue;
      if (m.op === '=' || m.op === '!=') pool.push(m.value);
      else if (labelRegex(m.value)) pool.push(...regexExamples(m.value));
    }
  }
  pool.push('200', '500', '0', '+Inf', 'pave_test', '');
  return [...new Set(pool)];
}

/** Every label set of metric `name` over the labels the selectors mention, most specific values first. */
function candidates(selectors: readonly VectorSelector[], name: string, limit = 20_000): Candidate[] {
  const labels = [...new Set(selectors.filter((s) => s.name === name).flatMap((s) => s.matchers.map((m) => m.label)))].sort();
  const pools = labels.map((l) => valuePool(selectors, name, l));
  const out: Candidate[] = [];
  const walk = (i: number, acc: Record<string, string>) => {
    if (out.length >= limit) return;
    if (i === labels.length) {
      out.push({ name, labels: { ...acc } });
      return;
    }
    for (const v of pools[i]!) walk(i + 1, { ...acc, [labels[i]!]: v });
  };
  walk(0, {});
  return out;
}

/**
 * The series one event adds to: counted `inNumerator` times by the numerator's selectors and once by the total's.
 * One series when a label set can do both, else one for each side (a latency histogram: the bucket and `_count`).
 */
function eventBag(numerator: readonly VectorSelector[], total: readonly VectorSelector[], pool: readonly Candidate[], inNumerator: 0 | 1): Candidate[] | null {
  const single = pool.find((c) => countIn(numerator, c) === inNumerator && countIn(total, c) === 1);
  if (single) return [single];
  if (inNumerator === 0) return null;
  const numeratorOnly = pool.find((c) => countIn(numerator, c) === 1 && countIn(total, c) === 0);
  const totalOnly = pool.find((c) => countIn(numerator, c) === 0 && countIn(total, c) === 1);
  return numeratorOnly && totalOnly ? [numeratorOnly, totalOnly] : null;
}

/**
 * Counters for the indicator: each good event adds `perGood` to a series and each bad event `perBad`. Null when the
 * expressions are not sums of increases of selectors, or no label values satisfy them as needed.
 */
export function syntheticSeries(indicator: PromqlIndicator): SyntheticSeries[] | null {
  const total = countSelectors(indicator.total);
  const numeratorExpr = indicator.good ?? indicator.bad;
  const numerator = numeratorExpr === undefined ? null : countSelectors(numeratorExpr);
  if (!total || !numerator || total.length === 0 || numerator.length === 0) return null;
  const all = [...numerator, ...total];
  const pool = [...new Set(all.map((s) => s.name))].sort().flatMap((n) => candidates(all, n));
  // With `good`, a good event is in the numerator; with `bad`, a bad one is.
  const goodBag = eventBag(numerator, total, pool, indicator.good !== undefined ? 1 : 0);
  const badBag = eventBag(numerator, total, pool, indicator.good !== undefined ? 0 : 1);
  if (!goodBag || !badBag) return null;
  const bySeries = new Map<string, SyntheticSeries>();
  const add = (c: Candidate, kind: 'perGood' | 'perBad') => {
    const labels = Object.fromEntries(Object.entries(c.labels).filter(([, v]) => v !== ''));
    const key = formatSeries(c.name, labels);
    const s = bySeries.get(key) ?? { name: c.name, labels, perGood: 0, perBad: 0 };
    s[kind] += 1;
    bySeries.set(key, s);
  };
  for (const c of goodBag) add(c, 'perGood');
  for (const c of badBag) add(c, 'perBad');
  return [...bySeries.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, s]) => s);
}
