// pave's own SLO burn-rate and no-data alerts as alerts, pure: a transition from the SLO engine's log fires or
// resolves an alert with labels alertname, slo, service and severity. Only `page` severity pages: tickets are not
// for waking people (DESIGN §2).
import type { IncomingAlert } from './types.js';

export interface SloTransition {
  alertId: string;
  slo: string;
  kind: 'burn' | 'no_data';
  severity: string;
  state: 'firing' | 'resolved';
  at: string;
  details: Record<string, unknown>;
}

export function pagesForSeverity(severity: string): boolean {
  return severity === 'page';
}

export function alertFromSloTransition(t: SloTransition): IncomingAlert {
  const service = typeof t.details.service === 'string' ? t.details.service : '';
  const alertname = t.kind === 'burn' ? 'SLOBurnRate' : 'SLONoData';
  const labels: Record<string, string> = { alertname, slo: t.slo, severity: t.severity };
  if (service) labels.service = service;
  const at = Date.parse(t.at);
  const summary = t.kind === 'burn' ? `SLO ${t.slo} is burning its error budget too fast` : `SLO ${t.slo} has no data`;
  return {
    identity: t.alertId,
    status: t.state,
    labels,
    annotations: { summary },
    summary,
    severity: t.severity,
    startsAt: at,
    expiresAt: null,
    endedAt: t.state === 'resolved' ? at : null,
    sourceGroup: null,
    details: t.details,
  };
}
