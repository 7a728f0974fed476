// PagerDuty Events API v2, pure (REFERENCE §2): validating `POST /v2/enqueue` and `POST /v2/change/enqueue` events
// with PagerDuty's own error messages, and turning a trigger into an IncomingAlert. Senders switch to pave by
// changing a URL, so what they get back must be what PagerDuty would answer.
import type { IncomingAlert } from './types.js';

/** The most a whole event may weigh (512 KB). */
export const maxEventBytes = 512 * 1024;
export const routingKeyLength = 32;
export const maxDedupKeyLength = 255;
export const maxSummaryLength = 1024;
export const severities = ['critical', 'error', 'warning', 'info'] as const;
export type PagerDutySeverity = (typeof severities)[number];
export const eventActions = ['trigger', 'acknowledge', 'resolve'] as const;

export interface TriggerDetails {
  summary: string;
  source: string;
  severity: PagerDutySeverity;
  timestamp: number | null;
  component: string | null;
  group: string | null;
  class: string | null;
  customDetails: unknown;
  client: string | null;
  clientUrl: string | null;
  links: unknown[];
  images: unknown[];
}

export type PagerDutyEvent =
  | { action: 'trigger'; routingKey: string; dedupKey: string | null; trigger: TriggerDetails }
  | { action: 'acknowledge' | 'resolve'; routingKey: string; dedupKey: string };

export interface ChangeEvent {
  routingKey: string;
  summary: string;
  timestamp: number | null;
  source: string | null;
  customDetails: unknown;
  links: unknown[];
}

export type Validated<T> = { ok: true; value: T } | { ok: false; errors: string[] };

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const blank = (v: unknown): boolean => typeof v !== 'string' || v.trim() === '';
const ISO_8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/;

function routingKeyErrors(body: Json): string[] {
  if (blank(body.routing_key)) return ["'routing_key' is missing or blank"];
  if ((body.routing_key as string).length !== routingKeyLength) return [`Length of 'routing_key' is incorrect (should be ${routingKeyLength} characters)`];
  return [];
}

function optionalString(body: Json, field: string, label: string, errors: string[]): string | null {
  const v = body[field];
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string') {
    errors.push(`'${label}' must be a string`);
    return null;
  }
  return v;
}

function timestampOf(body: Json, label: string, errors: string[]): number | null {
  const t = optionalString(body, 'timestamp', label, errors);
  if (t === null) return null;
  const ms = ISO_8601.test(t) ? Date.parse(t) : Number.NaN;
  if (!Number.isFinite(ms)) {
    errors.push(`'${label}' is invalid (must be an ISO 8601 date-time such as 2015-07-17T08:42:58.315+0000)`);
    return null;
  }
  return ms;
}

function listOf(body: Json, field: 'links' | 'images', required: 'href' | 'src', errors: string[]): unknown[] {
  const v = body[field];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) {
    errors.push(`'${field}' must be an array`);
    return [];
  }
  v.forEach((item, i) => {
    if (!isObject(item) || blank(item[required])) errors.push(`'${field}[${i}].${required}' is missing or blank`);
  });
  return v;
}

/** Validates an Events v2 event; every problem is listed, in PagerDuty's words. */
export function validateEvent(body: unknown): Validated<PagerDutyEvent> {
  if (!isObject(body)) return { ok: false, errors: ['Event object must be a JSON object'] };
  const errors = routingKeyErrors(body);
  const action = body.event_action;
  if (blank(action)) errors.push("'event_action' is missing or blank");
  else if (!eventActions.includes(action as (typeof eventActions)[number])) errors.push(`'event_action' is invalid (must be one of: ${eventActions.join(', ')})`);
  let dedupKey: string | null = null;
  if (body.dedup_key !== undefined && body.dedup_key !== null) {
    if (typeof body.dedup_key !== 'string') errors.push("'dedup_key' must be a string");
    else if (body.dedup_key.length > maxDedupKeyLength) errors.push(`'dedup_key' must not be longer than ${maxDedupKeyLength} characters`);
    else if (body.dedup_key !== '') dedupKey = body.dedup_key;
  }
  if ((action === 'acknowledge' || action === 'resolve') && dedupKey === null && !errors.some((e) => e.startsWith("'dedup_key'"))) {
    errors.push("'dedup_key' is missing or blank");
  }
  let trigger: TriggerDetails | undefined;
  if (action === 'trigger') trigger = triggerDetails(body, errors);
  if (errors.length > 0) return { ok: false, errors };
  const routingKey = body.routing_key as string;
  if (action === 'trigger') return { ok: true, value: { action, routingKey, dedupKey, trigger: trigger! } };
  return { ok: true, value: { action: action as 'acknowledge' | 'resolve', routingKey, dedupKey: dedupKey! } };
}

function triggerDetails(body: Json, errors: string[]): TriggerDetails | undefined {
  const payload = body.payload;
  if (!isObject(payload)) {
    errors.push(payload === undefined || payload === null ? "'payload' is missing" : "'payload' must be a JSON object");
    return undefined;
  }
  if (blank(payload.summary)) errors.push("'payload.summary' is missing or blank");
  else if ((payload.summary as string).length > maxSummaryLength) errors.push(`'payload.summary' must not be longer than ${maxSummaryLength} characters`);
  if (blank(payload.source)) errors.push("'payload.source' is missing or blank");
  if (blank(payload.severity)) errors.push("'payload.severity' is missing or blank");
  else if (!severities.includes(payload.severity as PagerDutySeverity)) errors.push(`'payload.severity' is invalid (must be one of: ${severities.join(', ')})`);
  const timestamp = timestampOf(payload, 'payload.timestamp', errors);
  const component = optionalString(payload, 'component', 'payload.component', errors);
  const group = optionalString(payload, 'group', 'payload.group', errors);
  const klass = optionalString(payload, 'class', 'payload.class', errors);
  const client = optionalString(body, 'client', 'client', errors);
  const clientUrl = optionalString(body, 'client_url', 'client_url', errors);
  const links = listOf(body, 'links', 'href', errors);
  const images = listOf(body, 'images', 'src', errors);
  return {
    summary: payload.summary as string,
    source: payload.source as string,
    severity: payload.severity as PagerDutySeverity,
    timestamp,
    component,
    group,
    class: klass,
    customDetails: payload.custom_details ?? null,
    client,
    clientUrl,
    links,
    images,
  };
}

/** Validates a change event (`POST /v2/change/enqueue`). */
export function validateChangeEvent(body: unknown): Validated<ChangeEvent> {
  if (!isObject(body)) return { ok: false, errors: ['Event object must be a JSON object'] };
  const errors = routingKeyErrors(body);
  const payload = body.payload;
  let timestamp: number | null = null;
  let source: string | null = null;
  if (!isObject(payload)) errors.push(payload === undefined || payload === null ? "'payload' is missing" : "'payload' must be a JSON object");
  else {
    if (blank(payload.summary)) errors.push("'payload.summary' is missing or blank");
    else if ((payload.summary as string).length > maxSummaryLength) errors.push(`'payload.summary' must not be longer than ${maxSummaryLength} characters`);
    timestamp = timestampOf(payload, 'payload.timestamp', errors);
    source = optionalString(payload, 'source', 'payload.source', errors);
  }
  const links = listOf(body, 'links', 'href', errors);
  if (errors.length > 0) return { ok: false, errors };
  const p = payload as Json;
  return { ok: true, value: { routingKey: body.routing_key as string, summary: p.summary as string, timestamp, source, customDetails: p.custom_details ?? null, links } };
}

/** A trigger as an alert: its dedup key is its identity; labels carry what PagerDuty's payload classifies by. */
export function alertFromTrigger(t: TriggerDetails, dedupKey: string, nowMs: number): IncomingAlert {
  const labels: Record<string, string> = { dedup_key: dedupKey, severity: t.severity, source: t.source };
  if (t.component) labels.component = t.component;
  if (t.group) labels.group = t.group;
  if (t.class) labels.class = t.class;
  return {
    identity: dedupKey,
    status: 'firing',
    labels,
    annotations: { summary: t.summary },
    summary: t.summary,
    severity: t.severity,
    startsAt: t.timestamp ?? nowMs,
    expiresAt: null,
    endedAt: null,
    sourceGroup: null,
    details: {
      custom_details: t.customDetails,
      ...(t.client ? { client: t.client } : {}),
      ...(t.clientUrl ? { client_url: t.clientUrl } : {}),
      ...(t.links.length ? { links: t.links } : {}),
      ...(t.images.length ? { images: t.images } : {}),
    },
  };
}

/** PagerDuty's answers, byte for byte in shape. */
export const pagerDutyAccepted = (dedupKey: string) => ({ status: 'success', message: 'Event processed', dedup_key: dedupKey });
export const pagerDutyChangeAccepted = () => ({ status: 'success', message: 'Change event processed' });
export const pagerDutyInvalid = (errors: string[]) => ({ status: 'invalid event', message: 'Event object is invalid', errors });
