import { describe, expect, it } from 'vitest';
import { compare, DecimalError, formatFraction, fraction, multiply, parseDecimal, valueOf } from './decimal.js';

describe('exact decimals', () => {
  it('parses plain decimals into lowest terms', () => {
    expect(parseDecimal(99.9, 'x')).toEqual({ num: 999, den: 10 });
    expect(parseDecimal('99.90', 'x')).toEqual({ num: 999, den: 10 });
    expect(parseDecimal(0.02, 'x')).toEqual({ num: 1, den: 50 });
    expect(parseDecimal(14.4, 'x')).toEqual({ num: 72, den: 5 });
    expect(parseDecimal('7', 'x')).toEqual({ num: 7, den: 1 });
  });

  it('rejects anything else, naming the field', () => {
    expect(() => parseDecimal('-1', 'factor')).toThrow(DecimalError);
    expect(() => parseDecimal('abc', 'factor')).toThrow("factor must be a plain non-negative decimal number such as 99.9, got 'abc'");
    expect(() => parseDecimal(1e-7, 'factor')).toThrow("got '1e-7'");
    expect(() => parseDecimal(null as unknown as number, 'factor')).toThrow('factor must be a number, got null');
    expect(() => parseDecimal('0.0000000000001', 'factor')).toThrow('at most 12 decimal places');
  });

  it('multiplies and compares exactly where floating point does not', () => {
    expect(14.4 * 0.001).not.toBe(0.0144);
    const t = multiply(parseDecimal(14.4, 'k'), parseDecimal(0.001, 'b'));
    expect(t).toEqual({ num: 9, den: 625 });
    expect(valueOf(t)).toBe(0.0144);
    expect(compare(fraction(1, 3), fraction(2, 6))).toBe(0);
    expect(compare(fraction(1, 3), fraction(1, 2))).toBe(-1);
    expect(compare(fraction(2 ** 52, 3), fraction(2 ** 52 - 1, 3))).toBe(1);
  });

  it('falls back to big integers when products overflow, and refuses what cannot be held', () => {
    const big = fraction(2 ** 40 + 1, 2 ** 40 + 3);
    expect(() => multiply(big, big)).toThrow('too precise');
    expect(multiply(fraction(2 ** 40, 3), fraction(3, 2 ** 40))).toEqual({ num: 1, den: 1 });
  });

  it('formats terminating fractions exactly', () => {
    expect(formatFraction(fraction(9, 625))).toBe('0.0144');
    expect(formatFraction(fraction(997_002_999, 10_000_000))).toBe('99.7002999');
    expect(formatFraction(fraction(100, 1))).toBe('100');
    expect(formatFraction(fraction(0, 1))).toBe('0');
    expect(formatFraction(fraction(1, 3))).toBe('0.3333333333333333');
  });
});
