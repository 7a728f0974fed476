// One error shape for every endpoint: {"error":{"code","message","details":[...]}} with a fitting status.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';

export interface ErrorBody {
  error: { code: string; message: string; details: unknown[]; requestId?: string };
}

export class ApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly details: unknown[] = [],
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export const badRequest = (message: string, details: unknown[] = []) => new ApiError(400, 'bad_request', message, details);
export const notFound = (message: string) => new ApiError(404, 'not_found', message);
export const forbidden = (message: string, details: unknown[] = []) => new ApiError(403, 'forbidden', message, details);
export const unauthorized = (message: string) =>
  new ApiError(401, 'unauthorized', message, [], { 'www-authenticate': 'Bearer realm="pave"' });

/** Fastify's own error codes that are the client's fault, mapped to stable pave codes. */
const fastifyCodes: Record<string, [number, string]> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: [415, 'unsupported_media_type'],
  FST_ERR_CTP_BODY_TOO_LARGE: [413, 'body_too_large'],
  FST_ERR_CTP_EMPTY_JSON_BODY: [400, 'bad_request'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: [400, 'bad_request'],
  FST_ERR_CTP_EMPTY_TYPE: [415, 'unsupported_media_type'],
  FST_ERR_CTP_INVALID_TYPE: [415, 'unsupported_media_type'],
  FST_ERR_CTP_INVALID_JSON_BODY: [400, 'invalid_json'],
  FST_ERR_BAD_URL: [400, 'bad_request'],
  FST_ERR_MAX_PARAM_LENGTH: [414, 'uri_too_long'],
  FST_ERR_ASYNC_CONSTRAINT: [400, 'bad_request'],
};

/**
 * PostgreSQL "data exception" SQLSTATEs that mean a value taken from the request cannot be stored or compared (a NUL
 * in a path or query parameter, a number beyond bigint, an out-of-range date, ...). Routes should validate such
 * values themselves; this is the safety net that keeps them a 400 instead of a 500. Logged, in case the value came
 * from the server after all.
 */
const databaseValueCodes = new Set(['22001', '22003', '22007', '22008', '22021', '22P02', '22P05']);

export function errorBody(code: string, message: string, details: unknown[], requestId?: string): ErrorBody {
  return { error: { code, message, details, ...(requestId ? { requestId } : {}) } };
}

/** Sends any error in the pave shape with a fitting status. */
export function sendError(err: FastifyError | ApiError, req: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (err instanceof ApiError) {
    if (err.statusCode >= 500) req.log.error({ err }, err.message);
    for (const [k, v] of Object.entries(err.headers)) reply.header(k, v);
    return reply.status(err.statusCode).send(errorBody(err.code, err.message, err.details, req.id));
  }
  if (hasZodFastifySchemaValidationErrors(err)) {
    const where = (err as { validationContext?: string }).validationContext ?? 'request';
    const details = err.validation.map((v) => ({
      in: where,
      path: v.instancePath.replace(/^\//, '').replaceAll('/', '.'),
      message: v.message,
    }));
    return reply.status(400).send(errorBody('invalid_request', `invalid ${where}: ${details.map((d) => `${d.path || '(root)'} ${d.message}`).join('; ')}`, details, req.id));
  }
  const mapped = err.code ? fastifyCodes[err.code] : undefined;
  if (mapped) return reply.status(mapped[0]).send(errorBody(mapped[1], err.message, [], req.id));
  if (err.code && databaseValueCodes.has(err.code)) {
    req.log.warn({ err }, 'the store rejected a value from the request');
    return reply.status(400).send(errorBody('invalid_value', `the request holds a value the store cannot accept: ${err.message}`, [], req.id));
  }
  const status = err.statusCode ?? 500;
  if (status >= 400 && status < 500) {
    return reply.status(status).send(errorBody('bad_request', err.message, [], req.id));
  }
  req.log.error({ err }, 'unhandled error');
  return reply.status(500).send(errorBody('internal', 'internal error; the request id is in the server log', [], req.id));
}

/**
 * For Fastify's `frameworkErrors` option: errors the router raises before any route or hook runs (a path with bad
 * percent-encoding, a parameter over maxParamLength). Without it Fastify answers those in its own shape and without
 * an x-request-id header, because onRequest hooks never ran.
 */
export function frameworkErrorHandler(err: FastifyError, req: FastifyRequest, reply: FastifyReply): void {
  reply.header('x-request-id', req.id);
  sendError(err, req, reply);
}

export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler(sendError);

  app.setNotFoundHandler((req, reply) => {
    reply.status(404).send(errorBody('not_found', `no route ${req.method} ${req.url.split('?')[0]}`, [], req.id));
  });
}
