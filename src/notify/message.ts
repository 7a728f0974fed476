// The envelope every notification carries (REFERENCE §2), and the plain words every notifier renders from it.
import type { EscalationPage } from '../store/escalations.js';

export type EventType = 'page.triggered' | 'page.escalated' | 'page.acknowledged' | 'page.resolved' | 'page.unacknowledged';

export interface Envelope {
  /** The notification's idempotency key. */
  id: string;
  event_type: EventType;
  occurred_at: string;
  actor: string;
  data: {
    page: EscalationPage;
    escalation?: { policy: string; step: number; round: number; due_at: string };
    recipient?: { person: string; display_name: string };
    actions?: { acknowledge: string; resolve: string; expires_at: string };
  };
}

/** A break-glass past a budget freeze, announced to the owning team (api/gates.ts). */
export interface BreakGlassEnvelope {
  id: string;
  event_type: 'change.break_glass';
  occurred_at: string;
  actor: string;
  data: {
    change: { id: string; kind: string; service: string | null; version: string | null; summary: string; author: string; details?: Record<string, unknown> };
    gate: { summary: string; policy: { name: string }; reasons: unknown[] };
    recipient?: { person: string; display_name: string };
  };
}

/** What the notifiers render: a page's notifications, or a break-glass announcement. */
export type NotificationEnvelope = Envelope | BreakGlassEnvelope;

const isBreakGlass = (e: NotificationEnvelope): e is BreakGlassEnvelope => e.event_type === 'change.break_glass';

export function subjectOf(e: NotificationEnvelope): string {
  if (isBreakGlass(e)) {
    const c = e.data.change;
    const kind = typeof c.details?.changeKind === 'string' ? c.details.changeKind : 'change';
    return `[BREAK-GLASS] ${kind}${c.version ? ` ${c.version}` : ''} of ${c.service ?? 'a service'} went past a budget freeze`;
  }
  const p = e.data.page;
  const severity = p.severity ? `[${p.severity.toUpperCase()}] ` : '';
  const where = p.service ? ` (${p.service})` : p.team ? ` (${p.team})` : '';
  const what = { 'page.triggered': 'Page', 'page.escalated': 'Escalated page', 'page.acknowledged': 'Acknowledged', 'page.resolved': 'Resolved', 'page.unacknowledged': 'Nobody acknowledged' }[e.event_type];
  return `${severity}${what}: ${p.title}${where}`;
}

/** Plain text lines: the subject, who it is for, the step, links, and the one-click actions. */
export function textLinesOf(e: NotificationEnvelope): string[] {
  if (isBreakGlass(e)) return breakGlassLines(e);
  const lines = [subjectOf(e), ''];
  const d = e.data;
  if (e.event_type === 'page.acknowledged' || e.event_type === 'page.resolved') {
    lines.push(`${e.event_type === 'page.acknowledged' ? 'Acknowledged' : 'Resolved'} by ${e.actor} at ${e.occurred_at}.`);
  } else if (d.recipient) {
    lines.push(`For ${d.recipient.display_name} (${d.recipient.person}).`);
  }
  if (d.escalation) lines.push(`Escalation policy ${d.escalation.policy}, step ${d.escalation.step + 1}, round ${d.escalation.round + 1}.`);
  lines.push(`Page ${d.page.id}${d.page.team ? `, team ${d.page.team}` : ''}${d.page.service ? `, service ${d.page.service}` : ''}.`);
  for (const l of d.page.links) lines.push(`${l.title}: ${l.url}`);
  if (d.actions) {
    lines.push('', `Acknowledge: ${d.actions.acknowledge}`, `Resolve: ${d.actions.resolve}`, `(links valid until ${d.actions.expires_at})`);
  }
  return lines;
}

function breakGlassLines(e: BreakGlassEnvelope): string[] {
  const c = e.data.change;
  const reason = typeof c.details?.reason === 'string' ? c.details.reason : undefined;
  return [
    subjectOf(e),
    '',
    ...(e.data.recipient ? [`For ${e.data.recipient.display_name} (${e.data.recipient.person}), of the owning team.`] : []),
    `By ${c.author} at ${e.occurred_at}.`,
    ...(reason ? [`Reason given: ${reason}`] : []),
    `The release gate said: ${e.data.gate.summary}`,
    `Policy: ${e.data.gate.policy.name}. Recorded as change ${c.id}, on the service's timeline.`,
  ];
}
