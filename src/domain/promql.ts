// PromQL as text: the `{{window}}` placeholder of promql indicators, durations as Prometheus writes them, and a small
// tokenizer that checks an expression's shape and reads the vector selectors of the simple "sum of increases" form
// (used to synthesise promtool test series). No I/O; pave never evaluates PromQL itself.

import { formatDuration } from './time/duration.js';

/** What a promql indicator writes where the window goes, e.g. `increase(x[{{window}}])`. */
export const WINDOW_PLACEHOLDER = '{{window}}';

/**
 * A duration as Prometheus reads it, from whole minutes: `5m`, `1h`, `30d`, `28d`, `90m`. Whole days are written in
 * days, as SLO windows are (`28d`, not `4w`); anything else in pave's shortest spelling, which is valid PromQL too
 * (units d, h, m, largest first).
 */
export function promDuration(minutes: number): string {
  if (!Number.isSafeInteger(minutes) || minutes <= 0) throw new RangeError(`a window must be a positive whole number of minutes, got ${minutes}`);
  if (minutes % 1_440 === 0) return `${minutes / 1_440}d`;
  return formatDuration(minutes);
}

/**
 * The expression with every `{{window}}` (outside string literals) replaced by the window written for Prometheus:
 * `increase(x[{{window}}])` at 60 minutes is `increase(x[1h])`.
 */
export function promqlForWindow(expr: string, minutes: number): string {
  const window = promDuration(minutes);
  let tokens: Token[];
  try {
    tokens = tokenizePromql(expr);
  } catch {
    return expr.split(WINDOW_PLACEHOLDER).join(window);
  }
  let out = '';
  let from = 0;
  for (const t of tokens) {
    if (t.kind !== 'placeholder' || t.value !== 'window') continue;
    out += expr.slice(from, t.at) + window;
    from = t.at + t.text.length;
  }
  return out + expr.slice(from);
}

// ---- tokens ----------------------------------------------------------------------------------------------------

export type TokenKind = 'string' | 'number' | 'identifier' | 'placeholder' | 'punct' | 'operator' | 'duration';

export interface Token {
  kind: TokenKind;
  text: string;
  /** 0-based offset in the expression. */
  at: number;
  /** For strings: the value without quotes and escapes. */
  value?: string;
}

export class PromqlSyntaxError extends Error {
  override name = 'PromqlSyntaxError';
  constructor(
    message: string,
    readonly at: number,
  ) {
    super(message);
  }
}

const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/y;
const IDENT = /[A-Za-z_:][A-Za-z0-9_:]*/y;
const NUMBER = /(?:0x[0-9a-fA-F]+|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|Inf|NaN)/y;
const DURATION = /(?:\d+(?:ms|[smhdwy]))+/y;
const OPERATORS = ['==', '!=', '>=', '<=', '=~', '!~', '+', '-', '*', '/', '%', '^', '>', '<', '=', '@'];

function unquote(raw: string, quote: string): string {
  if (quote === '`') return raw;
  return raw.replace(/\\(.)/g, (_, c: string) => ({ n: '\n', t: '\t', r: '\r', '\\': '\\', '"': '"', "'": "'" })[c] ?? c);
}

/**
 * Splits an expression into tokens. `{{...}}` is one placeholder token wherever it appears outside strings. Durations
 * are recognised inside `[...]` (and after `offset`), where PromQL writes them.
 */
export function tokenizePromql(expr: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let bracketDepth = 0;
  const at = (re: RegExp): string | null => {
    re.lastIndex = i;
    const m = re.exec(expr);
    return m ? m[0] : null;
  };
  while (i < expr.length) {
    const c = expr[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '#') {
      while (i < expr.length && expr[i] !== '\n') i++;
      continue;
    }
    if (c === '"' || c === "'" || c === '`') {
      let j = i + 1;
      while (j < expr.length && expr[j] !== c) j += expr[j] === '\\' && c !== '`' ? 2 : 1;
      if (j >= expr.length) throw new PromqlSyntaxError(`a string opened with ${c} at character ${i + 1} is never closed`, i);
      tokens.push({ kind: 'string', text: expr.slice(i, j + 1), at: i, value: unquote(expr.slice(i + 1, j), c) });
      i = j + 1;
      continue;
    }
    if (c === '{' && expr[i + 1] === '{') {
      const p = at(PLACEHOLDER);
      if (!p) throw new PromqlSyntaxError(`"{{" at character ${i + 1} opens a placeholder that is never closed with "}}"`, i);
      tokens.push({ kind: 'placeholder', text: p, at: i, value: p.slice(2, -2).trim() });
      i += p.length;
      continue;
    }
    const previous = tokens[tokens.length - 1];
    if (/\d/.test(c) && (bracketDepth > 0 || previous?.text === 'offset')) {
      const d = at(DURATION);
      if (d) {
        tokens.push({ kind: 'duration', text: d, at: i });
        i += d.length;
        continue;
      }
    }
    if (/[\d.]/.test(c)) {
      const n = at(NUMBER);
      if (n) {
        tokens.push({ kind: 'number', text: n, at: i });
        i += n.length;
        continue;
      }
    }
    if (/[A-Za-z_:]/.test(c)) {
      const id = at(IDENT)!;
      tokens.push({ kind: 'identifier', text: id, at: i });
      i += id.length;
      continue;
    }
    if ('()[]{},'.includes(c)) {
      if (c === '[') bracketDepth++;
      if (c === ']') bracketDepth = Math.max(0, bracketDepth - 1);
      tokens.push({ kind: 'punct', text: c, at: i });
      i++;
      continue;
    }
    const op = OPERATORS.find((o) => expr.startsWith(o, i));
    if (op) {
      tokens.push({ kind: 'operator', text: op, at: i });
      i += op.length;
      continue;
    }
    throw new PromqlSyntaxError(`unexpected character "${c}" at character ${i + 1}`, i);
  }
  return tokens;
}

// ---- checks ----------------------------------------------------------------------------------------------------

const closing: Record<string, string> = { '(': ')', '[': ']', '{': '}' };

/**
 * What is wrong with a promql indicator expression, as messages (empty when it looks right): it must contain
 * `{{window}}` inside a range `[...]`, no other placeholder, and balanced brackets outside strings. The full grammar is
 * Prometheus' to check; these are the mistakes pave can name before Prometheus sees the query.
 */
export function promqlProblems(expr: string): string[] {
  let tokens: Token[];
  try {
    tokens = tokenizePromql(expr);
  } catch (e) {
    return [(e as Error).message];
  }
  if (tokens.length === 0) return ['an empty expression: write the count of events over {{window}}, e.g. sum(increase(http_requests_total[{{window}}]))'];
  const problems: string[] = [];
  const stack: Token[] = [];
  for (const t of tokens) {
    if (t.kind === 'placeholder') {
      const name = t.value ?? '';
      if (name === '.window') {
        problems.push(`${t.text} is Sloth's spelling: pave writes the window as {{window}}, e.g. increase(http_requests_total[{{window}}])`);
      } else if (name !== 'window') {
        problems.push(`unknown placeholder ${t.text}: pave substitutes only {{window}}`);
      } else if (stack[stack.length - 1]?.text !== '[') {
        problems.push('{{window}} stands for a range such as 5m and belongs inside brackets: increase(http_requests_total[{{window}}])');
      }
      continue;
    }
    if (t.kind !== 'punct' || t.text === ',') continue;
    if (t.text in closing) stack.push(t);
    else {
      const open = stack.pop();
      if (!open) problems.push(`"${t.text}" at character ${t.at + 1} closes nothing`);
      else if (closing[open.text] !== t.text) problems.push(`"${open.text}" at character ${open.at + 1} is closed by "${t.text}" at character ${t.at + 1}`);
    }
  }
  for (const open of stack) problems.push(`"${open.text}" at character ${open.at + 1} is never closed`);
  if (!tokens.some((t) => t.kind === 'placeholder')) {
    problems.push('the expression must count the events over the window {{window}}, e.g. sum(increase(http_requests_total{code!~"5.."}[{{window}}])); it has no {{window}}');
  }
  return problems;
}

/** Whether the whole expression is one `sum(...)` without grouping: it already returns a single, label-free series. */
export function isPlainSum(expr: string): boolean {
  let tokens: Token[];
  try {
    tokens = tokenizePromql(expr);
  } catch {
    return false;
  }
  if (tokens[0]?.text !== 'sum' || tokens[1]?.text !== '(') return false;
  let depth = 0;
  for (let i = 1; i < tokens.length; i++) {
    const t = tokens[i]!.text;
    if (t === '(') depth++;
    else if (t === ')' && --depth === 0) return i === tokens.length - 1;
  }
  return false;
}

/** Whether the expression measures a per-second rate rather than a count (the ratio is right, event counts are not). */
export function usesRate(expr: string): boolean {
  try {
    return tokenizePromql(expr).some((t, i, all) => t.kind === 'identifier' && (t.text === 'rate' || t.text === 'irate') && all[i + 1]?.text === '(');
  } catch {
    return false;
  }
}

// ---- the simple form: sums of increases of selectors ------------------------------------------------------------

export type MatchOp = '=' | '!=' | '=~' | '!~';

export interface LabelMatcher {
  label: string;
  op: MatchOp;
  value: string;
}

/** A vector selector `name{label op "value", ...}`; `name` may be written as a `__name__` equality matcher. */
export interface VectorSelector {
  name: string;
  matchers: LabelMatcher[];
}

const AGGREGATIONS = new Set(['sum']);
const GROUPING = new Set(['by', 'without']);

/**
 * The selectors of an expression in the form pave can model exactly: sums (`sum`, `sum by (...)`) and `+` of
 * `increase(selector[{{window}}])`, with parentheses. Its value is then the total increase of every series the
 * selectors match. Returns null for anything else (other functions, binary operators, offsets, regex metric names).
 */
export function countSelectors(expr: string): VectorSelector[] | null {
  let tokens: Token[];
  try {
    tokens = tokenizePromql(expr);
  } catch {
    return null;
  }
  let i = 0;
  const selectors: VectorSelector[] = [];
  const peek = () => tokens[i];
  const take = (text?: string): Token | null => {
    const t = tokens[i];
    if (!t || (text !== undefined && t.text !== text)) return null;
    i++;
    return t;
  };
  const grouping = (): boolean => {
    if (!GROUPING.has(peek()?.text ?? '')) return true;
    i++;
    if (!take('(')) return false;
    while (peek() && peek()!.text !== ')') {
      if (peek()!.kind !== 'identifier' && peek()!.text !== ',') return false;
      i++;
    }
    return take(')') !== null;
  };
  const selector = (): VectorSelector | null => {
    let name = '';
    const first = peek();
    if (first?.kind === 'identifier') {
      name = first.text;
      i++;
    }
    const matchers: LabelMatcher[] = [];
    if (take('{')) {
      while (peek() && peek()!.text !== '}') {
        const label = take();
        const op = take();
        const value = take();
        if (label?.kind !== 'identifier' || op?.kind !== 'operator' || !['=', '!=', '=~', '!~'].includes(op.text) || value?.kind !== 'string') return null;
        if (label.text === '__name__') {
          if (op.text !== '=' || name) return null;
          name = value.value ?? '';
        } else matchers.push({ label: label.text, op: op.text as MatchOp, value: value.value ?? '' });
        take(',');
      }
      if (!take('}')) return null;
    }
    return name ? { name, matchers } : null;
  };
  const term = (): boolean => {
    const t = peek();
    if (!t) return false;
    if (t.text === '(') {
      i++;
      return sum() && take(')') !== null;
    }
    if (t.kind === 'identifier' && AGGREGATIONS.has(t.text)) {
      i++;
      if (!grouping() || !take('(') || !sum() || !take(')')) return false;
      return grouping();
    }
    if (t.kind === 'identifier' && t.text === 'increase' && tokens[i + 1]?.text === '(') {
      i += 2;
      const s = selector();
      if (!s || !take('[') || take()?.kind !== 'placeholder' || !take(']') || !take(')')) return false;
      selectors.push(s);
      return true;
    }
    return false;
  };
  const sum = (): boolean => {
    if (!term()) return false;
    while (peek()?.text === '+') {
      i++;
      if (!term()) return false;
    }
    return true;
  };
  return sum() && i === tokens.length ? selectors : null;
}

/** Prometheus anchors label regexes: `5..` matches the whole value. Null when JavaScript cannot read the pattern. */
export function labelRegex(pattern: string): RegExp | null {
  try {
    return new RegExp(`^(?:${pattern})$`, 'u');
  } catch {
    return null;
  }
}

/** Whether a series (name and labels; a missing label is the empty string, as in Prometheus) matches a selector. */
export function selectorMatches(selector: VectorSelector, name: string, labels: Readonly<Record<string, string>>): boolean {
  if (selector.name !== name) return false;
  return selector.matchers.every((m) => {
    const v = labels[m.label] ?? '';
    switch (m.op) {
      case '=':
        return v === m.value;
      case '!=':
        return v !== m.value;
      case '=~':
        return labelRegex(m.value)?.test(v) ?? false;
      case '!~':
        return !(labelRegex(m.value)?.test(v) ?? true);
    }
  });
}

/** A series as Prometheus and promtool write it: `name{a="1",b="2"}`, labels sorted, values escaped. */
export function formatSeries(name: string, labels: Readonly<Record<string, string>>): string {
  const parts = Object.keys(labels)
    .sort()
    .filter((k) => labels[k] !== '')
    .map((k) => `${k}=${JSON.stringify(labels[k])}`);
  return parts.length ? `${name}{${parts.join(',')}}` : name;
}
