// Alertmanager's two ways in, pure (REFERENCE §2): the webhook receiver's payload version 4, and API v2's
// `POST /api/v2/alerts`. Both become IncomingAlerts; the clock is passed in.
import { z } from 'zod';
import { labelsFingerprint } from './identity.js';
import type { IncomingAlert } from './types.js';

/** How long an API v2 alert without endsAt stays firing unless sent again (Alertmanager's resolve_timeout). */
export const resolveTimeoutMs = 5 * 60_000;
/** Alertmanager's "no end known": `0001-01-01T00:00:00Z`, and anything before the epoch. */
const ZERO_TIME_BEFORE = 0;

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;
/** An RFC 3339 timestamp as Go's time.Time marshals it (nanoseconds allowed). */
const timestamp = z
  .string()
  .max(64)
  .refine((t) => RFC3339.test(t) && Number.isFinite(Date.parse(t)), 'an RFC 3339 timestamp such as 2026-03-25T10:00:00Z');

const labelName = z.string().min(1).max(1024);
const labelSet = z.record(labelName, z.string().max(16_384));
const alertStatus = z.enum(['firing', 'resolved']);

/** Alertmanager's webhook payload version 4; unknown fields (Grafana's additions) are allowed and ignored. */
export const alertmanagerWebhook = z.object({
  version: z.literal('4', { error: 'version: pave reads Alertmanager webhook payload version "4"' }),
  groupKey: z.string().min(1).max(16_384),
  truncatedAlerts: z.number().int().min(0).default(0),
  status: alertStatus,
  receiver: z.string().max(1024).default(''),
  groupLabels: labelSet.default({}),
  commonLabels: labelSet.default({}),
  commonAnnotations: labelSet.default({}),
  externalURL: z.string().max(8192).default(''),
  notification_reason: z.string().max(100).optional(),
  routeLabels: labelSet.optional(),
  alerts: z
    .array(
      z.object({
        status: alertStatus,
        labels: labelSet,
        annotations: labelSet.default({}),
        startsAt: timestamp,
        endsAt: timestamp,
        generatorURL: z.string().max(8192).default(''),
        fingerprint: z.string().min(1).max(128).optional(),
      }),
    )
    .max(10_000),
});
export type AlertmanagerWebhook = z.infer<typeof alertmanagerWebhook>;

/** Alertmanager API v2 `postableAlerts`: a JSON array of alerts, labels required. */
export const alertmanagerApiAlerts = z
  .array(
    z.object({
      labels: labelSet.refine((l) => Object.keys(l).length > 0, 'at least one label: labels are the alert'),
      annotations: labelSet.default({}),
      startsAt: timestamp.optional(),
      endsAt: timestamp.optional(),
      generatorURL: z.string().max(8192).optional(),
    }),
  )
  .max(10_000);
export type AlertmanagerApiAlerts = z.infer<typeof alertmanagerApiAlerts>;

const summaryOf = (labels: Record<string, string>, annotations: Record<string, string>): string =>
  annotations.summary ?? annotations.description ?? labels.alertname ?? '';

/** The alerts of one webhook notification; a fingerprint seen twice keeps its last entry. */
export function alertsFromWebhook(payload: AlertmanagerWebhook): IncomingAlert[] {
  const byIdentity = new Map<string, IncomingAlert>();
  for (const a of payload.alerts) {
    const identity = a.fingerprint ?? labelsFingerprint(a.labels);
    const ends = Date.parse(a.endsAt);
    byIdentity.set(identity, {
      identity,
      status: a.status,
      labels: a.labels,
      annotations: a.annotations,
      summary: summaryOf(a.labels, a.annotations),
      severity: a.labels.severity ?? null,
      startsAt: Date.parse(a.startsAt),
      expiresAt: null,
      endedAt: a.status === 'resolved' && ends > ZERO_TIME_BEFORE ? ends : null,
      sourceGroup: payload.groupKey,
      details: { receiver: payload.receiver, externalURL: payload.externalURL, generatorURL: a.generatorURL },
    });
  }
  return [...byIdentity.values()];
}

/**
 * Whether alerts missing from this notification may be read as resolved: only when it carries the whole group
 * (truncatedAlerts is 0). A truncated notification says nothing about the alerts it left out.
 */
export function webhookIsComplete(payload: AlertmanagerWebhook): boolean {
  return payload.truncatedAlerts === 0;
}

/** A problem with an API v2 alert that its schema cannot see, by index; undefined when all are fine. */
export function apiAlertsIssue(alerts: AlertmanagerApiAlerts): { path: string; message: string } | undefined {
  for (const [i, a] of alerts.entries()) {
    if (a.startsAt && a.endsAt && Date.parse(a.endsAt) < Date.parse(a.startsAt)) {
      return { path: `${i}.endsAt`, message: 'endsAt is before startsAt' };
    }
  }
  return undefined;
}

/**
 * API v2 alerts at `nowMs`: missing startsAt = now, missing endsAt = now + resolve timeout; an alert whose endsAt has
 * passed is resolved, any other fires until its endsAt unless sent again. Identity is the label set.
 */
export function alertsFromApi(alerts: AlertmanagerApiAlerts, nowMs: number): IncomingAlert[] {
  const byIdentity = new Map<string, IncomingAlert>();
  for (const a of alerts) {
    const identity = labelsFingerprint(a.labels);
    const startsAt = a.startsAt ? Date.parse(a.startsAt) : nowMs;
    const endsAt = a.endsAt ? Date.parse(a.endsAt) : nowMs + resolveTimeoutMs;
    const resolved = endsAt <= nowMs;
    byIdentity.set(identity, {
      identity,
      status: resolved ? 'resolved' : 'firing',
      labels: a.labels,
      annotations: a.annotations,
      summary: summaryOf(a.labels, a.annotations),
      severity: a.labels.severity ?? null,
      startsAt,
      expiresAt: resolved ? null : endsAt,
      endedAt: resolved ? endsAt : null,
      sourceGroup: null,
      details: a.generatorURL ? { generatorURL: a.generatorURL } : {},
    });
  }
  return [...byIdentity.values()];
}
