// Bucketing against REFERENCE §4's vectors and against unleash-client's own functions for 10,000 random ids.
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { inRollout, pickVariant, rolloutBucket, variantBucket } from './bucketing.js';
import { murmur3_32 } from './murmur3.js';

// unleash-client is CommonJS; its bucketing lives in lib/strategy/util (not re-exported by the package index).
const unleash = createRequire(import.meta.url)('unleash-client/lib/strategy/util.js') as {
  normalizedStrategyValue(id: string, groupId: string): number;
  normalizedVariantValue(id: string, groupId: string, normalizer: number): number;
};

const byteHash = createRequire(createRequire(import.meta.url).resolve('unleash-client'))('murmurhash3js') as {
  x86: { hash32(key: string, seed: number): number };
};

/** Deterministic pseudo-random generator (mulberry32), so a failure can be reproduced. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_@.:';
function randomId(r: () => number): string {
  const n = 1 + Math.floor(r() * 40);
  let s = '';
  for (let i = 0; i < n; i++) s += alphabet[Math.floor(r() * alphabet.length)];
  return s;
}

describe('MurmurHash3 x86 32 and Unleash bucketing', () => {
  it('matches the vectors of REFERENCE §4', () => {
    expect(murmur3_32('hello', 0)).toBe(613153351);
    expect(rolloutBucket('123', 'gr1')).toBe(73);
    expect(rolloutBucket('999', 'groupX')).toBe(25);
    expect(variantBucket('123', 'gr1', 1000)).toBe(796);
  });

  it('matches standard MurmurHash3 vectors on every tail length, with seeds, and hashes UTF-8 bytes', () => {
    expect(murmur3_32('', 0)).toBe(0);
    expect(murmur3_32('', 1)).toBe(0x514e28b7);
    expect(murmur3_32('a', 0)).toBe(0x3c2569b2);
    expect(murmur3_32('ab', 0)).toBe(0x9bbfd75f);
    expect(murmur3_32('abc', 0)).toBe(0xb3dd93fa);
    expect(murmur3_32('abcd', 0)).toBe(0x43ed676a);
    expect(murmur3_32('The quick brown fox jumps over the lazy dog', 0)).toBe(0x2e4ff723);
    expect(murmur3_32('The quick brown fox jumps over the lazy dog', 0x9747b28c)).toBe(0x2fa826cd);
    // "ü" is hashed as its two UTF-8 bytes c3 bc (murmurhash3js, unleash-client's hash, reads one byte per char code).
    expect(murmur3_32('ü', 0)).toBe(byteHash.x86.hash32('\u00c3\u00bc', 0));
    expect(murmur3_32('ü', 0)).not.toBe(byteHash.x86.hash32('ü', 0));
  });

  it("agrees with unleash-client's normalizedStrategyValue and normalizedVariantValue for 10,000 random ids", () => {
    const r = rng(20261122);
    const groups = ['new-checkout', 'gr1', 'groupX', 'a', 'payments:beta'];
    let rollout = 0;
    let variant = 0;
    for (let i = 0; i < 10_000; i++) {
      const id = randomId(r);
      const group = groups[i % groups.length]!;
      const total = [1000, 100, 3, 7919][i % 4]!;
      expect(rolloutBucket(id, group), `${group}:${id}`).toBe(unleash.normalizedStrategyValue(id, group));
      expect(variantBucket(id, group, total), `${group}:${id} /${total}`).toBe(unleash.normalizedVariantValue(id, group, total));
      rollout++;
      variant++;
    }
    expect(rollout + variant).toBe(20_000);
  });

  it('is monotone: raising 5% to 10% keeps every user of the 5% and adds about 5% more', () => {
    const r = rng(5);
    const ids = [...new Set(Array.from({ length: 10_000 }, () => randomId(r)))];
    const at = (p: number) => new Set(ids.filter((id) => inRollout(p, id, 'new-checkout')));
    const five = at(5);
    const ten = at(10);
    for (const id of five) expect(ten.has(id)).toBe(true);
    expect(five.size).toBeGreaterThan(400);
    expect(five.size).toBeLessThan(600);
    expect(ten.size - five.size).toBeGreaterThan(400);
    expect(at(0).size).toBe(0);
    expect(at(100).size).toBe(ids.length);
  });

  it('picks variants by Unleash walk: weights accumulate, weight 0 is never chosen, shares follow the weights', () => {
    // bucket for ("123", "gr1", 1000) is 796: [a 500, b 0, c 300, d 200] → running totals 500, 800 → c.
    expect(pickVariant([{ variant: 'a', weight: 500 }, { variant: 'b', weight: 0 }, { variant: 'c', weight: 300 }, { variant: 'd', weight: 200 }], 1000, '123', 'gr1')).toBe('c');
    expect(pickVariant([{ variant: 'a', weight: 796 }, { variant: 'b', weight: 204 }], 1000, '123', 'gr1')).toBe('a');
    expect(pickVariant([{ variant: 'a', weight: 795 }, { variant: 'b', weight: 205 }], 1000, '123', 'gr1')).toBe('b');
    const r = rng(11);
    const counts: Record<string, number> = { a: 0, b: 0, z: 0 };
    for (let i = 0; i < 10_000; i++) counts[pickVariant([{ variant: 'a', weight: 250 }, { variant: 'z', weight: 0 }, { variant: 'b', weight: 750 }], 1000, randomId(r), 'exp')]!++;
    expect(counts.z).toBe(0);
    expect(counts.a).toBeGreaterThan(2300);
    expect(counts.a).toBeLessThan(2700);
  });
});
