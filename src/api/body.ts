// Request body parsing: strict UTF-8, bounded nesting, JSON and YAML.
import type { FastifyInstance } from 'fastify';
import { ApiError } from './errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The request body as received, for routes that digest it (ingest's Idempotency-Key). */
    rawBody?: Buffer;
  }
  interface FastifyContextConfig {
    /**
     * A route's own reader for JSON bodies it can take straight from the bytes (ingest's batches): what it returns is
     * the body; undefined leaves the body to the generic parser. It must only accept what that parser would.
     */
    scanJsonBody?: (body: Buffer) => object | undefined;
  }
}

const decoder = new TextDecoder('utf-8', { fatal: true });
export const maxJsonDepth = 64;

/** Whether JSON text nests deeper than `max` (a scan that skips strings): tells a too-deep body from broken JSON. */
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

/**
 * Whether a parsed JSON value nests objects and arrays deeper than `max` (the value itself is level 1, as in
 * jsonDepthExceeds). Walks with its own stack, so any depth is safe.
 */
export function valueDepthExceeds(value: unknown, max: number): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const stack: object[] = [value];
  const depths: number[] = [1];
  while (stack.length > 0) {
    const v = stack.pop()!;
    const depth = depths.pop()!;
    if (depth > max) return true;
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        const x: unknown = v[i];
        if (typeof x === 'object' && x !== null) stack.push(x), depths.push(depth + 1);
      }
    } else {
      for (const k in v) {
        const x: unknown = (v as Record<string, unknown>)[k];
        if (typeof x === 'object' && x !== null) stack.push(x), depths.push(depth + 1);
      }
    }
  }
  return false;
}

const tooDeep = () => new ApiError(400, 'too_deep', `request body nests deeper than ${maxJsonDepth} levels`);

export function parseJsonBody(body: Buffer): unknown {
  const text = decodeUtf8(body);
  if (text.trim() === '') throw new ApiError(400, 'invalid_json', 'request body is empty; send a JSON document');
  // V8's JSON.parse does not recurse, so any nesting parses safely; what comes after it (validation, findUnstorableString,
  // JSON.stringify) does, hence the depth bound. Checking it on the parsed value costs a third of scanning the text, which
  // is only needed to tell a too-deep broken body from any other broken one.
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    if (jsonDepthExceeds(text, maxJsonDepth)) throw tooDeep();
    throw new ApiError(400, 'invalid_json', `request body is not valid JSON: ${(err as Error).message}`);
  }
  if (valueDepthExceeds(value, maxJsonDepth)) throw tooDeep();
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
  app.decorateRequest('rawBody', undefined);
  app.removeAllContentTypeParsers();
  // Parameters are allowed (`application/json; charset=utf-8` is what many clients send); JSON is UTF-8 (RFC 8259),
  // so any other charset is refused rather than misread.
  app.addContentTypeParser(/^application\/([a-z0-9.+-]*\+)?json\s*(;.*)?$/i, { parseAs: 'buffer' }, (req, body: Buffer, done) => {
    try {
      const charset = /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(req.headers['content-type'] ?? '')?.[1]?.toLowerCase();
      if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
        throw new ApiError(415, 'unsupported_media_type', `JSON bodies must be UTF-8, not charset=${charset}`);
      }
      req.rawBody = body;
      done(null, req.routeOptions.config.scanJsonBody?.(body) ?? parseJsonBody(body));
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
