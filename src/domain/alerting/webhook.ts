// pave's generic JSON webhook, pure: one alert per request, for tools that can send a templated HTTP POST but speak
// neither Alertmanager nor PagerDuty (shaped like incident.io's HTTP alert events): firing until a `resolved` with the
// same dedup_key arrives.
import { z } from 'zod';
import { labelsFingerprint } from './identity.js';
import type { IncomingAlert } from './types.js';

const labelSet = z.record(z.string().min(1).max(1024), z.string().max(16_384));

export const webhookAlert = z.strictObject({
  status: z.enum(['firing', 'resolved']),
  title: z.string().trim().min(1).max(1024),
  /** What makes two requests the same alert; without it, a hash of the labels and title. */
  dedup_key: z.string().min(1).max(255).optional(),
  labels: labelSet.default({}),
  description: z.string().max(16_384).optional(),
  severity: z.string().min(1).max(64).optional(),
  source_url: z.url({ protocol: /^https?$/, error: 'an http(s) URL' }).optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
});
export type WebhookAlert = z.infer<typeof webhookAlert>;

/** The identity a webhook alert is deduplicated by. */
export function webhookIdentity(a: WebhookAlert): string {
  return a.dedup_key ?? labelsFingerprint({ ...a.labels, '': a.title });
}

export function alertFromWebhook(a: WebhookAlert, nowMs: number): IncomingAlert {
  const identity = webhookIdentity(a);
  const labels: Record<string, string> = { alertname: a.title, ...a.labels, dedup_key: identity };
  if (a.severity && !labels.severity) labels.severity = a.severity;
  return {
    identity,
    status: a.status,
    labels,
    annotations: { summary: a.title, ...(a.description ? { description: a.description } : {}) },
    summary: a.title,
    severity: a.severity ?? a.labels.severity ?? null,
    startsAt: nowMs,
    expiresAt: null,
    endedAt: a.status === 'resolved' ? nowMs : null,
    sourceGroup: null,
    details: { ...(a.source_url ? { source_url: a.source_url } : {}), ...(a.metadata ? { metadata: a.metadata } : {}) },
  };
}
