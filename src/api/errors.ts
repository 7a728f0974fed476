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
  FST_ERR_ASYNC_CONSTRAINT: [400, 'bad_request'],
};

export function errorBody(code: string, message: string, details: unknown[], requestId?: string): ErrorBody {
  return { error: { code, message, details, ...(requestId ? { requestId } : {}) } };
}

export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError | ApiError, req: FastifyRequest, reply: FastifyReply) => {
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
    const status = err.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      return reply.status(status).send(errorBody('bad_request', err.message, [], req.id));
    }
    req.log.error({ err }, 'unhandled error');
    return reply.status(500).send(errorBody('internal', 'internal error; the request id is in the server log', [], req.id));
  });

  app.setNotFoundHandler((req, reply) => {
    reply.status(404).send(errorBody('not_found', `no route ${req.method} ${req.url.split('?')[0]}`, [], req.id));
  });
}
