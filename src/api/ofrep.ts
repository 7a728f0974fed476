// The OpenFeature Remote Evaluation Protocol (OFREP, github.com/open-feature/protocol service/openapi.yaml), so any
// OpenFeature SDK with an OFREP provider reads pave's flags:
//   POST /ofrep/v1/evaluate/flags/{key}  {"context": {...}} → 200 {key, value, reason, variant, metadata}
//                                        404 {key, errorCode: FLAG_NOT_FOUND}; 400 {key, errorCode: PARSE_ERROR |
//                                        TARGETING_KEY_MISSING | INVALID_CONTEXT}; 500 {key, errorCode: GENERAL}
//   POST /ofrep/v1/evaluate/flags        → 200 {flags: [...]} with an ETag; If-None-Match with it → 304 (nothing changed)
// Failure bodies carry OFREP's fields and pave's error object side by side, so OFREP clients and pave's own error
// handling both read them. Authentication is pave's bearer token (any token that may read).
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest, onSendHookHandler } from 'fastify';
import { isFailure, type EvaluationContext, type EvaluationErrorCode, type EvaluationFailure, type EvaluationResult } from '../domain/flags/evaluate.js';
import type { FlagCatalog } from '../store/flags.js';
import { parseJsonBody } from './body.js';
import { ApiError } from './errors.js';

const statusOf: Record<EvaluationErrorCode, number> = {
  FLAG_NOT_FOUND: 404,
  PARSE_ERROR: 400,
  TARGETING_KEY_MISSING: 400,
  INVALID_CONTEXT: 400,
  TYPE_MISMATCH: 400,
  GENERAL: 500,
};

/** pave's error code for each OFREP one, in the `error` object beside OFREP's fields. */
const paveCode: Record<EvaluationErrorCode, string> = {
  FLAG_NOT_FOUND: 'not_found',
  PARSE_ERROR: 'bad_request',
  TARGETING_KEY_MISSING: 'targeting_key_missing',
  INVALID_CONTEXT: 'invalid_context',
  TYPE_MISMATCH: 'type_mismatch',
  GENERAL: 'internal',
};

function failureBody(f: { key?: string; errorCode: EvaluationErrorCode; errorDetails: string }, requestId: string) {
  return {
    ...(f.key !== undefined ? { key: f.key } : {}),
    errorCode: f.errorCode,
    errorDetails: f.errorDetails,
    error: { code: paveCode[f.errorCode], message: f.errorDetails, details: [], requestId },
  };
}

function sendFailure(reply: FastifyReply, req: FastifyRequest, f: { key?: string; errorCode: EvaluationErrorCode; errorDetails: string }): FastifyReply {
  return reply.status(statusOf[f.errorCode]).send(failureBody(f, req.id));
}

/**
 * The request's context, or the failure to answer. OFREP requests are `{"context": {...}}`; OpenFeature's providers
 * always send the context (`{}` when it has no attributes), so a body without one is refused rather than guessed at:
 * a request that is not an evaluation request must not be answered as if it were.
 */
export function readContext(body: unknown): { context: EvaluationContext } | { failure: { errorCode: EvaluationErrorCode; errorDetails: string } } {
  if (body === undefined || body === null || typeof body !== 'object' || Array.isArray(body)) {
    return { failure: { errorCode: 'PARSE_ERROR', errorDetails: 'the request body must be a JSON object: {"context": {...}}' } };
  }
  if (!Object.hasOwn(body, 'context')) {
    return { failure: { errorCode: 'INVALID_CONTEXT', errorDetails: 'the request body has no context: send {"context": {...}} ({} for no attributes)' } };
  }
  const ctx = (body as { context?: unknown }).context;
  if (ctx === null || typeof ctx !== 'object' || Array.isArray(ctx)) {
    return { failure: { errorCode: 'INVALID_CONTEXT', errorDetails: `context must be a JSON object of attributes, got ${ctx === null ? 'null' : Array.isArray(ctx) ? 'an array' : typeof ctx}` } };
  }
  return { context: ctx as EvaluationContext };
}

/**
 * Errors raised before the handler (authentication, body parsing) keep pave's status and error object; OFREP's
 * fields are added so an OFREP client reads them too (4xx → PARSE_ERROR, 5xx → GENERAL).
 */
function addOfrepFields(withKey: boolean): onSendHookHandler {
  return async (req, reply, payload) => {
    if (reply.statusCode < 400 || typeof payload !== 'string') return payload;
    let body: { error?: { message?: string }; errorCode?: string };
    try {
      body = JSON.parse(payload);
    } catch {
      return payload;
    }
    if (!body || typeof body !== 'object' || body.errorCode || !body.error) return payload;
    const key = withKey ? (req.params as { key?: string } | undefined)?.key : undefined;
    return JSON.stringify({
      ...(key !== undefined ? { key } : {}),
      errorCode: reply.statusCode >= 500 ? 'GENERAL' : 'PARSE_ERROR',
      errorDetails: body.error.message ?? 'request refused',
      ...body,
    });
  };
}

function etagOf(body: string): string {
  return `"${createHash('sha1').update(body).digest('base64url')}"`;
}

/** If-None-Match holds this entity tag (a list, weak tags and `*` included). */
export function noneMatchHolds(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header.split(',').some((t) => {
    const tag = t.trim();
    return tag === '*' || tag === etag || tag === `W/${etag}`;
  });
}

export function registerOfrep(app: FastifyInstance, flags: FlagCatalog, now: () => Date): void {
  // Own scope: OpenFeature's OFREP providers send `application/json; charset=utf-8`, which the server-wide JSON parser
  // (a pattern anchored at the end of the whole header) refuses with 415. A parser registered by media type matches
  // it with any parameters; the body is read by the same parseJsonBody.
  void app.register(async (scope) => {
    scope.addContentTypeParser('application/json', { parseAs: 'buffer' }, (req, body: Buffer, done) => {
      try {
        const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(req.headers['content-type'] ?? '')?.[1];
        if (charset !== undefined && charset.toLowerCase() !== 'utf-8') {
          throw new ApiError(415, 'unsupported_media_type', `JSON bodies must be UTF-8, not ${charset}`);
        }
        req.rawBody = body;
        done(null, parseJsonBody(body));
      } catch (err) {
        done(err as Error, undefined);
      }
    });
    registerRoutes(scope, flags, now);
  });
}

function registerRoutes(app: FastifyInstance, flags: FlagCatalog, now: () => Date): void {
  app.post(
    '/ofrep/v1/evaluate/flags/:key',
    {
      config: { access: 'read' },
      onSend: addOfrepFields(true),
      schema: {
        tags: ['flags'],
        summary: 'OFREP: evaluate one flag for a context',
        description:
          'Body `{"context": {"targetingKey": "...", ...}}`. 200 `{key, value, reason, variant, metadata}`; 404 FLAG_NOT_FOUND; ' +
          '400 PARSE_ERROR, TARGETING_KEY_MISSING or INVALID_CONTEXT (OFREP fields beside pave\'s error object).',
      },
    },
    async (req, reply) => {
      const { key } = req.params as { key: string };
      const read = readContext(req.body);
      if ('failure' in read) return sendFailure(reply, req, { key, ...read.failure });
      const snapshot = await flags.current();
      const flag = snapshot.flags.get(key);
      if (!flag) return sendFailure(reply, req, { key, errorCode: 'FLAG_NOT_FOUND', errorDetails: `flag ${key} does not exist` });
      const result = evaluateSafely(key, () => flag.evaluate(read.context, now().getTime()), req);
      if (isFailure(result)) return sendFailure(reply, req, result);
      return reply.status(200).send(result);
    },
  );

  app.post(
    '/ofrep/v1/evaluate/flags',
    {
      config: { access: 'read' },
      onSend: addOfrepFields(false),
      schema: {
        tags: ['flags'],
        summary: 'OFREP: evaluate every flag for a context (ETag; If-None-Match answers 304 when nothing changed)',
        description:
          'Body `{"context": {...}}`. 200 `{flags: [...]}`, each a success `{key, value, reason, variant, metadata}` or a ' +
          'failure `{key, errorCode, errorDetails}`, sorted by key, with an `ETag` of the answer; sending it back in ' +
          '`If-None-Match` answers 304 while the answer for that context is unchanged.',
      },
    },
    async (req, reply) => {
      const read = readContext(req.body);
      if ('failure' in read) return sendFailure(reply, req, read.failure);
      const snapshot = await flags.current();
      const at = now().getTime();
      const results: EvaluationResult[] = [];
      for (const [key, flag] of snapshot.flags) results.push(evaluateSafely(key, () => flag.evaluate(read.context, at), req));
      const body = JSON.stringify({ flags: results });
      const etag = etagOf(body);
      reply.header('etag', etag).header('cache-control', 'no-cache');
      if (noneMatchHolds(req.headers['if-none-match'], etag)) return reply.status(304).send();
      return reply.status(200).type('application/json; charset=utf-8').send(body);
    },
  );
}

/** Evaluation never throws to the client: an unexpected failure is GENERAL, logged. */
function evaluateSafely(key: string, evaluate: () => EvaluationResult, req: FastifyRequest): EvaluationResult {
  try {
    return evaluate();
  } catch (err) {
    req.log.error({ err, flag: key }, 'flag evaluation failed');
    const failure: EvaluationFailure = { key, errorCode: 'GENERAL', errorDetails: 'evaluation failed; the request id is in the server log' };
    return failure;
  }
}
