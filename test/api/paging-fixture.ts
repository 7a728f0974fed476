// What the paging API tests share (not a test file itself): integrations on top of the base catalog, and
// Alertmanager webhook payloads as Alertmanager sends them.
export const integrations = `
---
apiVersion: pave/v1
kind: Integration
metadata: { name: prom }
spec: { format: alertmanager }
---
apiVersion: pave/v1
kind: Integration
metadata: { name: prom-direct }
spec: { format: alertmanager-v2, team: storefront }
---
apiVersion: pave/v1
kind: Integration
metadata: { name: pd-payments }
spec: { format: pagerduty, service: checkout }
---
apiVersion: pave/v1
kind: Integration
metadata: { name: pd-web }
spec: { format: pagerduty, service: web }
---
apiVersion: pave/v1
kind: Integration
metadata: { name: hooks }
spec: { format: webhook, team: payments }
`;

export const zeroTime = '0001-01-01T00:00:00Z';

export interface AmAlert {
  status: 'firing' | 'resolved';
  labels: Record<string, string>;
  fingerprint: string;
  startsAt?: string;
  endsAt?: string;
}

/** An Alertmanager v4 notification of group `groupKey` carrying `alerts`. */
export function amNotification(groupKey: string, alerts: AmAlert[], extra: { truncatedAlerts?: number; notification_reason?: string } = {}) {
  const firing = alerts.some((a) => a.status === 'firing');
  return {
    version: '4',
    groupKey,
    truncatedAlerts: extra.truncatedAlerts ?? 0,
    status: firing ? 'firing' : 'resolved',
    receiver: 'pave',
    groupLabels: { alertname: alerts[0]?.labels.alertname ?? '' },
    commonLabels: {},
    commonAnnotations: {},
    externalURL: 'http://alertmanager.example:9093',
    ...(extra.notification_reason ? { notification_reason: extra.notification_reason } : {}),
    alerts: alerts.map((a) => ({
      status: a.status,
      labels: a.labels,
      annotations: { summary: `${a.labels.alertname} on ${a.labels.instance ?? '?'}` },
      startsAt: a.startsAt ?? '2026-03-25T09:58:00Z',
      endsAt: a.endsAt ?? (a.status === 'firing' ? zeroTime : '2026-03-25T10:05:00Z'),
      generatorURL: 'http://prometheus.example:9090/graph',
      fingerprint: a.fingerprint,
    })),
  };
}
