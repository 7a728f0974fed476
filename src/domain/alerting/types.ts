// What every alert source turns its payload into before paging: one shape, whatever the wire format was.

export type AlertSource = 'alertmanager' | 'alertmanager-v2' | 'pagerduty' | 'webhook' | 'slo';

/** One alert as received: it fires (opens or refreshes its occurrence) or is resolved. */
export interface IncomingAlert {
  /** What makes two notifications the same alert: fingerprint, dedup_key, SLO alert id, or a hash of the labels. */
  identity: string;
  status: 'firing' | 'resolved';
  labels: Record<string, string>;
  annotations: Record<string, string>;
  summary: string;
  severity: string | null;
  /** Milliseconds since the epoch. */
  startsAt: number;
  /** Alertmanager API v2: when the alert resolves unless sent again (ms); null for sources that resolve explicitly. */
  expiresAt: number | null;
  /** When a resolved alert ended (ms), if the sender said. */
  endedAt: number | null;
  /** The sender's group (Alertmanager's groupKey), used to reconcile a complete notification. */
  sourceGroup: string | null;
  details: Record<string, unknown>;
}

/** A field-level problem with an inbound payload, e.g. `alerts.2.labels: required`. */
export interface PayloadIssue {
  path: string;
  message: string;
}
