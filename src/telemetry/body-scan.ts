// The ingest fast path: a `{"items": [...]}` body of plain counts and event items read straight from its bytes, without
// JSON.parse building a thousand objects and thousands of strings. Anything else (histograms, escapes in strings,
// unknown or repeated fields, values of the wrong type, anything the generic body parser would refuse) is left to the
// ordinary path, which then also names every problem: the scan only ever answers "here are the items, valued exactly
// as JSON.parse would value them" or "not plain, read it the ordinary way".
//
// Written as one loop over the bytes with small functions that take and return offsets (a number's value, a key's end
// and a string's hash go through module variables), so that offsets stay in registers: this is the hot path of P2.
import { isUtf8 } from 'node:buffer';
import { countsItem, eventItem, maxBatchItems, type ScannedItems, type SeriesIdentities, type SeriesIdentity } from './items.js';

/** The items of a body, one entry per item in order: what JSON.parse then parseBatch would have looked at. */
export class ScannedBatch implements ScannedItems {
  constructor(
    /** The request body as received. */
    readonly body: Buffer,
    readonly count: number,
    readonly identities: SeriesIdentity[],
    readonly names: string[],
    readonly ts: Float64Array,
    readonly kinds: Uint8Array,
    readonly first: Float64Array,
    readonly second: Float64Array,
  ) {}

  /** The items the ordinary way (JSON.parse): for error messages and for digests of the items. */
  items(): unknown {
    return (JSON.parse(this.body.toString('utf8')) as { items: unknown }).items;
  }
}

/** Thrown inside the scan at the first thing it does not read; never escapes scanBody. */
const notPlain = new Error('not a plain ingest body');

// Byte values.
const quote = 0x22;
const backslash = 0x5c;
const comma = 0x2c;
const colon = 0x3a;
const openBrace = 0x7b;
const closeBrace = 0x7d;
const openBracket = 0x5b;
const closeBracket = 0x5d;
const minus = 0x2d;
const plus = 0x2b;
const dot = 0x2e;
const zero = 0x30;
const nine = 0x39;

// The fields of an item, as bits of a mask of those seen.
const fieldSeries = 1;
const fieldLabels = 2;
const fieldTs = 4;
const fieldGood = 8;
const fieldTotal = 16;
const fieldStatus = 32;
const fieldLatency = 64;

/** Field names as bytes: a key is compared byte by byte, never made into a string. */
const fieldNames = Object.fromEntries(['series', 'labels', 'ts', 'good', 'total', 'status', 'latencyMs'].map((name) => [name, new TextEncoder().encode(name)])) as Record<
  'series' | 'labels' | 'ts' | 'good' | 'total' | 'status' | 'latencyMs',
  Uint8Array
>;
const itemsKey = new TextEncoder().encode('items');
/** 10^0 … 10^15, each exact in a double. */
const powersOfTen = Array.from({ length: 16 }, (_, i) => 10 ** i);

/** The value of the number readNumber last read. */
let numberValue = 0;
/** The running hash hashedStringEnd adds each string's bytes to (FNV-1a). */
let spellingHash = 0;

function isWs(c: number | undefined): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/** The offset of the first byte at or after `p` that is not JSON whitespace. */
function skipWs(buf: Buffer, p: number): number {
  while (isWs(buf[p])) p++;
  return p;
}

/** `byte`, after whitespace; the offset just past it. */
function expect(buf: Buffer, p: number, byte: number): number {
  p = skipWs(buf, p);
  if (buf[p] !== byte) throw notPlain;
  return p + 1;
}

/**
 * A string without escapes starting at `p` (its quote); the offset of its closing quote. A backslash, a control
 * character (JSON forbids them raw) or the end of the body ends the fast path.
 */
function stringEnd(buf: Buffer, p: number): number {
  if (buf[p] !== quote) throw notPlain;
  for (let c = buf[++p]; c !== quote; c = buf[++p]) if (c === backslash || !(c! >= 0x20)) throw notPlain;
  return p;
}

/** stringEnd, adding the string's bytes to spellingHash. */
function hashedStringEnd(buf: Buffer, p: number): number {
  if (buf[p] !== quote) throw notPlain;
  let hash = spellingHash;
  for (let c = buf[++p]; c !== quote; c = buf[++p]) {
    if (c === backslash || !(c! >= 0x20)) throw notPlain;
    hash = Math.imul(hash ^ c!, 0x01000193);
  }
  spellingHash = Math.imul(hash ^ quote, 0x01000193);
  return p;
}

function isDigit(c: number | undefined): boolean {
  return c! >= zero && c! <= nine;
}

/**
 * A JSON number at `p`, valued (into numberValue) as JSON.parse values it; the offset just past it. With at most 15
 * significant digits and no exponent, the digits make an exact integer and one division by an exact power of ten rounds
 * it correctly (the fast path of every correct decimal reader); anything else goes through Number on its text, which
 * rounds the same way.
 */
function readNumber(buf: Buffer, p: number): number {
  const start = p;
  const negative = buf[p] === minus;
  if (negative) p++;
  let c = buf[p];
  if (!isDigit(c)) throw notPlain;
  let value = 0;
  let digits = 0;
  if (c === zero) c = buf[++p];
  else for (; isDigit(c); c = buf[++p], digits++) value = value * 10 + (c! - zero);
  let decimals = 0;
  if (c === dot) {
    c = buf[++p];
    if (!isDigit(c)) throw notPlain;
    for (; isDigit(c); c = buf[++p], decimals++) value = value * 10 + (c! - zero);
  }
  const exponent = c === 0x65 || c === 0x45;
  if (exponent) {
    c = buf[++p];
    if (c === plus || c === minus) c = buf[++p];
    if (!isDigit(c)) throw notPlain;
    while (isDigit(c)) c = buf[++p];
  }
  if (exponent || digits + decimals > 15) numberValue = Number(buf.toString('latin1', start, p));
  else {
    if (decimals > 0) value /= powersOfTen[decimals]!;
    numberValue = negative ? -value : value;
  }
  return p;
}

/** The offset of the closing quote of the key readField last read. */
let fieldKeyEnd = 0;

/**
 * The field an item's key starting at `p` (its quote) names, as its bit (its closing quote's offset into
 * fieldKeyEnd): told apart by its first letters, then compared whole, in one pass. Any other key ends the fast path.
 */
function readField(buf: Buffer, p: number): number {
  if (buf[p] !== quote) throw notPlain;
  const first = buf[p + 1];
  const second = buf[p + 2];
  let name: Uint8Array;
  let bit: number;
  if (first === 0x73) [name, bit] = second === 0x65 ? [fieldNames.series, fieldSeries] : [fieldNames.status, fieldStatus]; // s
  else if (first === 0x6c) [name, bit] = buf[p + 3] === 0x62 ? [fieldNames.labels, fieldLabels] : [fieldNames.latencyMs, fieldLatency]; // l
  else if (first === 0x74) [name, bit] = second === 0x73 ? [fieldNames.ts, fieldTs] : [fieldNames.total, fieldTotal]; // t
  else if (first === 0x67) [name, bit] = [fieldNames.good, fieldGood]; // g
  else throw notPlain;
  const length = name.length;
  for (let i = 1; i < length; i++) if (buf[p + 1 + i] !== name[i]) throw notPlain;
  if (buf[p + 1 + length] !== quote) throw notPlain;
  fieldKeyEnd = p + 1 + length;
  return bit;
}

/** A labels object of string values starting at `p` (its brace), hashing its strings; the offset just past it. */
function labelsEnd(buf: Buffer, p: number): number {
  if (buf[p] !== openBrace) throw notPlain;
  p = skipWs(buf, p + 1);
  if (buf[p] === closeBrace) return p + 1;
  for (;;) {
    p = hashedStringEnd(buf, p) + 1;
    p = skipWs(buf, expect(buf, p, colon));
    p = skipWs(buf, hashedStringEnd(buf, p) + 1);
    if (buf[p] === closeBrace) return p + 1;
    if (buf[p] !== comma) throw notPlain;
    p = skipWs(buf, p + 1);
  }
}

/** Grows a per-item column (batches are usually far below maxBatchItems). */
function grown<T extends Float64Array | Uint8Array>(a: T, make: (n: number) => T): T {
  const b = make(a.length * 2);
  b.set(a);
  return b;
}

/**
 * Reads a body of plain counts and event items straight from its bytes, resolving each item's series and labels
 * through `identities` (by the exact bytes that spell them; a spelling not seen before is decoded and validated the
 * ordinary way). Returns undefined for anything else: the caller then parses the body the ordinary way.
 */
export function scanBody(body: Buffer, identities: SeriesIdentities): ScannedBatch | undefined {
  // What the generic body parser refuses (not UTF-8, NUL) it refuses with its own answer.
  if (!isUtf8(body) || body.indexOf(0) !== -1) return undefined;
  try {
    return scan(body, identities);
  } catch (err) {
    if (err === notPlain) return undefined;
    throw err;
  }
}

function scan(buf: Buffer, identities: SeriesIdentities): ScannedBatch {
  let p = skipWs(buf, expect(buf, 0, openBrace));
  const keyEnd = stringEnd(buf, p);
  if (keyEnd - p - 1 !== itemsKey.length || !itemsKey.every((b, i) => buf[p + 1 + i] === b)) throw notPlain;
  p = expect(buf, expect(buf, keyEnd + 1, colon), openBracket);

  let capacity = 1024;
  let ts = new Float64Array(capacity);
  let kinds = new Uint8Array(capacity);
  let first = new Float64Array(capacity);
  let second = new Float64Array(capacity);
  const ids: SeriesIdentity[] = [];
  const names: string[] = [];
  let count = 0;

  p = skipWs(buf, p);
  if (buf[p] === closeBracket) p++;
  else {
    for (;;) {
      if (count === maxBatchItems) throw notPlain; // the request schema refuses it, with its own answer
      if (count === capacity) {
        capacity *= 2;
        ts = grown(ts, (n) => new Float64Array(n));
        kinds = grown(kinds, (n) => new Uint8Array(n));
        first = grown(first, (n) => new Float64Array(n));
        second = grown(second, (n) => new Float64Array(n));
      }
      let seen = 0;
      let seriesStart = 0;
      let seriesEnd = 0;
      let labelsStart = 0;
      let labelsStop = 0;
      let time = 0;
      let good = 0;
      let total = 0;
      let status = 0;
      let latency = 0;
      spellingHash = 0x811c9dc5;
      p = skipWs(buf, expect(buf, p, openBrace));
      for (;;) {
        const field = readField(buf, p);
        if ((seen & field) !== 0) throw notPlain; // repeated: JSON.parse would keep the last
        seen |= field;
        p = skipWs(buf, expect(buf, fieldKeyEnd + 1, colon));
        if (field === fieldSeries) {
          seriesStart = p + 1;
          seriesEnd = hashedStringEnd(buf, p);
          p = seriesEnd + 1;
        } else if (field === fieldLabels) {
          labelsStart = p;
          p = labelsStop = labelsEnd(buf, p);
        } else if (field === fieldTs && buf[p] === quote) {
          const end = stringEnd(buf, p);
          time = Date.parse(buf.toString('utf8', p + 1, end));
          p = end + 1;
        } else {
          p = readNumber(buf, p);
          if (field === fieldTs) time = numberValue;
          else if (field === fieldGood) good = numberValue;
          else if (field === fieldTotal) total = numberValue;
          else if (field === fieldStatus) status = numberValue;
          else latency = numberValue;
        }
        p = skipWs(buf, p);
        if (buf[p] === closeBrace) break;
        if (buf[p] !== comma) throw notPlain;
        p = skipWs(buf, p + 1);
      }
      p++;

      // Only whole items of one kind: anything missing or mixed is an error the ordinary path names.
      const isEvent = (seen & (fieldStatus | fieldLatency)) !== 0;
      const needed = fieldSeries | fieldTs | (isEvent ? fieldStatus | fieldLatency : fieldGood | fieldTotal);
      if ((seen & needed) !== needed || (isEvent && (seen & (fieldGood | fieldTotal)) !== 0)) throw notPlain;

      const spelled = identities.findSpelled(buf, spellingHash, seriesStart, seriesEnd, labelsStart, labelsStop);
      if (!spelled) throw notPlain;
      ids.push(spelled.identity);
      names.push(spelled.name);
      ts[count] = time;
      kinds[count] = isEvent ? eventItem : countsItem;
      first[count] = isEvent ? status : good;
      second[count] = isEvent ? latency : total;
      count++;

      p = skipWs(buf, p);
      if (buf[p] === closeBracket) break;
      if (buf[p] !== comma) throw notPlain;
      p = skipWs(buf, p + 1);
    }
    p++;
  }
  p = skipWs(buf, expect(buf, p, closeBrace));
  if (p !== buf.length) throw notPlain;
  return new ScannedBatch(buf, count, ids, names, ts, kinds, first, second);
}
