// Request body parsing: strict UTF-8, bounded nesting, JSON and YAML.
import type { FastifyInstance } from 'fastify';
import { ApiError } from './errors.js';

const decoder = new TextDecoder('utf-8', { fatal: true });
export const maxJsonDepth = 64;

/** Rejects nesting deeper than `max` before JSON.parse recurses into it (a cheap scan that skips strings). */
export function jsonDepthExceeds(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i++; // backslash escapes the next character
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 || c === 91) {
      if (++depth > max) return true;
    } else if (c === 125 || c === 93) depth--;
  }
  return false;
}

export function decodeUtf8(body: Buffer): string {
  let text: string;
  try {
    text = decoder.decode(body);
  } catch {
    throw new ApiError(400, 'invalid_encoding', 'request body is not valid UTF-8');
  }
  // U+0000 is valid UTF-8 but PostgreSQL text cannot hold it: refuse it here, not as a 500 from the store.
  if (text.includes('\u0000')) throw new ApiError(400, 'invalid_encoding', 'request body contains a NUL character (U+0000)');
  return text;
}

/**
 * JSON escapes can smuggle in what strict UTF-8 decoding cannot: \u0000 (PostgreSQL text rejects it, so such a write
 * failed as a 500) and unpaired surrogates such as \ud800 (not Unicode text; they were silently stored as U+FFFD).
 * Returns the path of the first such string or key. Recursion is bounded: callers check the depth first.
 */
const unstorable = /\u0000|\p{Cs}/u; // \p{Cs} with the u flag matches only unpaired surrogates
export function findUnstorableString(value: unknown, path = ''): string | undefined {
  if (typeof value === 'string') return unstorable.test(value) ? path || '(root)' : undefined;
  if (typeof value !== 'object' || value === null) return undefined;
  for (const [k, v] of Object.entries(value)) {
    const at = path ? `${path}.${k}` : k;
    if (unstorable.test(k)) return at;
    const found = findUnstorableString(v, at);
    if (found) return found;
  }
  return undefined;
}

export function parseJsonBody(body: Buffer): unknown {
  const text = decodeUtf8(body);
  if (text.trim() === '') throw new ApiError(400, 'invalid_json', 'request body is empty; send a JSON document');
  if (jsonDepthExceeds(text, maxJsonDepth)) {
    throw new ApiError(400, 'too_deep', `request body nests deeper than ${maxJsonDepth} levels`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new ApiError(400, 'invalid_json', `request body is not valid JSON: ${(err as Error).message}`);
  }
  // Strict UTF-8 text without NUL holds neither U+0000 nor an unpaired surrogate: only a \u escape can bring one in.
  const bad = text.includes('\\u') ? findUnstorableString(value) : undefined;
  if (bad) {
    throw new ApiError(400, 'invalid_encoding', 'request body holds a string with U+0000 or an unpaired surrogate', [
      { in: 'body', path: bad, message: 'not storable Unicode text' },
    ]);
  }
  return value;
}

export function registerBodyParsers(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(/^application\/([a-z0-9.+-]*\+)?json$/, { parseAs: 'buffer' }, (_req, body: Buffer, done) => {
    try {
      done(null, parseJsonBody(body));
    } catch (err) {
      done(err as Error, undefined);
    }
  });
  // YAML (for apply) and plain text are passed on as strings; the route decides what they mean.
  app.addContentTypeParser(['application/yaml', 'application/x-yaml', 'text/yaml', 'text/plain'], { parseAs: 'buffer' }, (_req, body: Buffer, done) => {
    try {
      done(null, decodeUtf8(body));
    } catch (err) {
      done(err as Error, undefined);
    }
  });
}
