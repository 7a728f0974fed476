// MurmurHash3 x86 32-bit over the UTF-8 bytes of a string: the hash Unleash's bucketing uses (REFERENCE §4).

const encoder = new TextEncoder();

/** Unsigned 32-bit MurmurHash3 (x86, 32-bit) of the UTF-8 bytes of `text`. */
export function murmur3_32(text: string, seed = 0): number {
  // ASCII (every id we expect) hashes straight from the char codes: no allocation on the evaluation path.
  let ascii = true;
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) > 0x7f) {
      ascii = false;
      break;
    }
  }
  if (ascii) return hashBytes((i) => text.charCodeAt(i), text.length, seed);
  const bytes = encoder.encode(text);
  return hashBytes((i) => bytes[i]!, bytes.length, seed);
}

const c1 = 0xcc9e2d51;
const c2 = 0x1b873593;

function hashBytes(byteAt: (i: number) => number, length: number, seed: number): number {
  let h = seed >>> 0;
  const blocks = length & ~3;
  for (let i = 0; i < blocks; i += 4) {
    let k = byteAt(i) | (byteAt(i + 1) << 8) | (byteAt(i + 2) << 16) | (byteAt(i + 3) << 24);
    k = Math.imul(k, c1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, c2);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  let k = 0;
  switch (length & 3) {
    case 3:
      k ^= byteAt(blocks + 2) << 16;
    // falls through
    case 2:
      k ^= byteAt(blocks + 1) << 8;
    // falls through
    case 1:
      k ^= byteAt(blocks);
      k = Math.imul(k, c1);
      k = (k << 15) | (k >>> 17);
      k = Math.imul(k, c2);
      h ^= k;
  }
  h ^= length;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
