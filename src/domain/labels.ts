// Label sets and matchers: how SLO selectors pick the series they sum.

export type Labels = Record<string, string>;

/** A canonical text form of a series identity: name plus labels sorted by key. */
export function seriesKey(name: string, labels: Labels): string {
  const keys = Object.keys(labels).sort();
  return keys.length === 0 ? name : `${name}{${keys.map((k) => `${k}=${JSON.stringify(labels[k])}`).join(',')}}`;
}

type ValueTest = (value: string | undefined) => boolean;

/**
 * One matcher pattern: `value` (equal), `!value` (not equal), `a|b` (one of), `x` as a digit wildcard (`5xx`),
 * `~regex` / `!~regex` (full match). A missing label is the empty string, as in Prometheus.
 */
export function compileMatcher(pattern: string): ValueTest {
  if (pattern.startsWith('!~')) {
    const re = new RegExp(`^(?:${pattern.slice(2)})$`);
    return (v) => !re.test(v ?? '');
  }
  if (pattern.startsWith('~')) {
    const re = new RegExp(`^(?:${pattern.slice(1)})$`);
    return (v) => re.test(v ?? '');
  }
  if (pattern.startsWith('!')) {
    const inner = compileMatcher(pattern.slice(1));
    return (v) => !inner(v);
  }
  const alternatives = pattern.split('|').map((alt) => {
    if (/^[0-9x]+$/.test(alt) && alt.includes('x')) {
      const re = new RegExp(`^${alt.replaceAll('x', '[0-9]')}$`);
      return (v: string) => re.test(v);
    }
    return (v: string) => v === alt;
  });
  return (v) => alternatives.some((a) => a(v ?? ''));
}

export function validMatcher(pattern: string): string | null {
  try {
    compileMatcher(pattern);
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}

export type LabelMatcher = (labels: Labels) => boolean;

export function compileMatchers(match: Record<string, string> | undefined): LabelMatcher {
  const tests = Object.entries(match ?? {}).map(([k, p]) => [k, compileMatcher(p)] as const);
  return (labels) => tests.every(([k, t]) => t(labels[k]));
}
