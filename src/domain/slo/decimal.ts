// Exact decimals. Objectives (99.9), budget shares (2%) and factors (14.4) are decimals; in binary floating point
// 1 − 0.999 is 0.0010000000000000009 and 14.4 × 0.001 is 0.014400000000000001. Keeping them as integer fractions and
// dividing once at the end gives the double nearest the exact value, which prints as the decimal a person expects
// (0.001, 0.0144) and compares exactly against another single division such as bad/total.

/** num / den with num ≥ 0, den > 0, both safe integers, in lowest terms. */
export interface Fraction {
  readonly num: number;
  readonly den: number;
}

export class DecimalError extends Error {
  override name = 'DecimalError';
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

function bigGcd(a: bigint, b: bigint): bigint {
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}

/** num/den in lowest terms; inputs may be any non-negative integers whose reduced form fits in safe integers. */
export function fraction(num: number | bigint, den: number | bigint): Fraction {
  if (typeof num === 'number' && typeof den === 'number' && Number.isSafeInteger(num) && Number.isSafeInteger(den)) {
    if (den <= 0 || num < 0) throw new RangeError(`bad fraction ${num}/${den}`);
    const g = gcd(num, den) || 1;
    return { num: num / g, den: den / g };
  }
  const n = BigInt(num);
  const d = BigInt(den);
  if (d <= 0n || n < 0n) throw new RangeError(`bad fraction ${n}/${d}`);
  const g = bigGcd(n, d) || 1n;
  const rn = n / g;
  const rd = d / g;
  if (rn > BigInt(Number.MAX_SAFE_INTEGER) || rd > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new RangeError(`fraction ${rn}/${rd} is too precise`);
  }
  return { num: Number(rn), den: Number(rd) };
}

/** Parses a non-negative decimal written plainly (`99.9`, `0.02`, `14.4`; numbers are read through their shortest form). */
export function parseDecimal(value: number | string, what: string): Fraction {
  const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : '';
  if (typeof value !== 'number' && typeof value !== 'string') {
    throw new DecimalError(`${what} must be a number, got ${value === null ? 'null' : typeof value}`);
  }
  const m = /^(\d+)(?:\.(\d+))?$/.exec(text);
  if (!m) throw new DecimalError(`${what} must be a plain non-negative decimal number such as 99.9, got '${text}'`);
  const [, whole = '', frac = ''] = m;
  if (frac.length > 12) throw new DecimalError(`${what}: at most 12 decimal places, got '${text}'`);
  const num = BigInt(whole + frac);
  const den = 10n ** BigInt(frac.length);
  return fraction(num, den);
}

/** The double nearest a/b. */
export function valueOf(f: Fraction): number {
  return f.num / f.den;
}

export function multiply(...fs: Fraction[]): Fraction {
  let num = 1;
  let den = 1;
  for (const f of fs) {
    const n = num * f.num;
    const d = den * f.den;
    if (!Number.isSafeInteger(n) || !Number.isSafeInteger(d)) return multiplyBig(fs);
    const g = gcd(n, d) || 1;
    num = n / g;
    den = d / g;
  }
  return { num, den };
}

function multiplyBig(fs: Fraction[]): Fraction {
  let num = 1n;
  let den = 1n;
  for (const f of fs) {
    num *= BigInt(f.num);
    den *= BigInt(f.den);
  }
  return fraction(num, den);
}

/** −1, 0 or 1 as a is less than, equal to or greater than b, exactly. */
export function compare(a: Fraction, b: Fraction): number {
  const l = a.num * b.den;
  const r = b.num * a.den;
  if (Number.isSafeInteger(l) && Number.isSafeInteger(r)) return Math.sign(l - r);
  const bl = BigInt(a.num) * BigInt(b.den);
  const br = BigInt(b.num) * BigInt(a.den);
  return bl < br ? -1 : bl > br ? 1 : 0;
}

/** The exact decimal expansion when it terminates (den has only factors 2 and 5), else the nearest double. */
export function formatFraction(f: Fraction): string {
  let d = f.den;
  let digits = 0;
  let twos = 0;
  let fives = 0;
  while (d % 2 === 0) [d, twos] = [d / 2, twos + 1];
  while (d % 5 === 0) [d, fives] = [d / 5, fives + 1];
  if (d !== 1) return String(valueOf(f));
  digits = Math.max(twos, fives);
  const scaled = BigInt(f.num) * 10n ** BigInt(digits) / BigInt(f.den);
  const s = scaled.toString().padStart(digits + 1, '0');
  if (digits === 0) return s;
  const out = `${s.slice(0, -digits)}.${s.slice(-digits)}`;
  return out.replace(/0+$/, '').replace(/\.$/, '');
}
