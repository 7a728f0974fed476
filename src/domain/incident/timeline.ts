// An incident's timeline, pure: entries from every source (the incident's own events, its pages and their
// escalations, SLO alert transitions, change events) in one order, each with a line a person reads. Nothing is
// stored: the store reads each module's own log and hands the rows here.
import { roleTitles, type IncidentRole, type NoteKind } from './lifecycle.js';

export type TimelineSource = 'incident' | 'page' | 'escalation' | 'slo_alert' | 'change';

export interface TimelineEntry {
  at: string;
  source: TimelineSource;
  /** The source's own event type, e.g. status_changed, acknowledged, step_fired, firing, deploy. */
  type: string;
  /** One line for people. */
  summary: string;
  actor: string | null;
  /** For notes: note, decision, irreversible_action or dead_end. */
  noteKind?: NoteKind;
  /** What it is about: the page, SLO, service or change it came from. */
  ref: { pageId?: string; slo?: string; alertId?: string; service?: string; changeId?: string; eventId?: string };
  details: Record<string, unknown>;
}

const sourceOrder: Record<TimelineSource, number> = { change: 0, slo_alert: 1, page: 2, escalation: 3, incident: 4 };

/** Oldest first; at one instant, causes before reactions (a change, then the alert, the page, what people did). */
export function orderTimeline(entries: TimelineEntry[]): TimelineEntry[] {
  return entries
    .map((e, i) => ({ e, i, t: Date.parse(e.at) }))
    .sort((a, b) => a.t - b.t || sourceOrder[a.e.source] - sourceOrder[b.e.source] || a.i - b.i)
    .map((x) => x.e);
}

const noteWords: Record<NoteKind, string> = { note: 'Note', decision: 'Decision', irreversible_action: 'Irreversible action', dead_end: 'Dead end' };
const roleTitle = (r: unknown): string => roleTitles[r as IncidentRole] ?? String(r);

/** The line for one of the incident's own events. */
export function describeIncidentEvent(type: string, actor: string, d: Record<string, unknown>): string {
  switch (type) {
    case 'declared':
      return `Incident declared (${String(d.severity)}, ${String(d.status)}) by ${actor}${Array.isArray(d.services) && d.services.length ? `; affected: ${d.services.join(', ')}` : ''}`;
    case 'status_changed':
      return `Status ${String(d.from)} → ${String(d.to)}${d.reason ? `: ${String(d.reason)}` : ''}`;
    case 'severity_changed':
      return `Severity ${String(d.from)} → ${String(d.to)}${d.reason ? `: ${String(d.reason)}` : ''}`;
    case 'role_assigned':
      return d.previous ? `${roleTitle(d.role)} handed over from ${String(d.previous)} to ${String(d.person)}` : `${String(d.person)} is ${roleTitle(d.role)}`;
    case 'role_released':
      return `${String(d.previous)} is no longer ${roleTitle(d.role)}`;
    case 'note':
      return `${noteWords[d.kind as NoteKind] ?? 'Note'}: ${String(d.text)}`;
    case 'page_linked':
      return `Page ${String(d.pageId)} linked`;
    case 'services_changed':
      return [Array.isArray(d.added) && d.added.length ? `affected: +${d.added.join(', +')}` : '', Array.isArray(d.removed) && d.removed.length ? `not affected: ${d.removed.join(', ')}` : ''].filter(Boolean).join('; ') || 'Services changed';
    case 'times_changed':
      return `Times restated: ${Object.entries(d).map(([k, v]) => `${k} ${String((v as { to: unknown }).to)}`).join(', ')}`;
    case 'status_update':
      return `Status update (${String(d.status)}): ${String(d.message)}`;
    case 'title_changed':
      return d.to !== undefined ? `Title changed to "${String(d.to)}"` : 'Public title changed';
    case 'detected_by_changed':
      return `Detected by ${String(d.to)} (was ${String(d.from)})`;
    case 'subscriber_added':
      return `Subscriber added: ${String(d.url)}`;
    case 'subscriber_removed':
      return `Subscriber removed: ${String(d.url)}`;
    default:
      return type;
  }
}

/** The line for a page event (store/pages page_events). */
export function describePageEvent(pageId: string, title: string, type: string, actor: string, d: Record<string, unknown>): string {
  switch (type) {
    case 'triggered':
      return `Page ${pageId} triggered: ${title}${d.team ? ` (team ${String(d.team)})` : ''}`;
    case 'acknowledged':
      return `Page ${pageId} acknowledged by ${actor}`;
    case 'resolved':
      return `Page ${pageId} resolved by ${actor}`;
    case 'alert_added':
      return `Page ${pageId}: another alert joined`;
    case 'alert_resolved':
      return `Page ${pageId}: an alert resolved`;
    default:
      return `Page ${pageId}: ${type}`;
  }
}

/** The line for an escalation event (store/escalations). */
export function describeEscalationEvent(pageId: string, type: string, step: number | null, round: number | null, d: Record<string, unknown>): string {
  switch (type) {
    case 'step_fired': {
      const targets = Array.isArray(d.targets) ? (d.targets as { name?: string; people?: string[] }[]).map((t) => (t.people?.length ? t.people.join(', ') : t.name)).join('; ') : '';
      return `Page ${pageId} escalated: step ${(step ?? 0) + 1}${round ? `, round ${round + 1}` : ''}${targets ? ` → ${targets}` : ''}`;
    }
    case 'unacknowledged':
      return `Page ${pageId}: nobody acknowledged after the last step`;
    default:
      return `Page ${pageId} escalation ${type}`;
  }
}

export function describeSloTransition(slo: string, kind: string, severity: string, state: string): string {
  const what = kind === 'no_data' ? 'no-data alert' : `${severity} burn-rate alert`;
  return `SLO ${slo}: ${what} ${state === 'firing' ? 'firing' : 'resolved'}`;
}

export function describeChange(kind: string, service: string | null, version: string | null, summary: string, author: string): string {
  return `${kind}${service ? ` of ${service}` : ''}${version ? ` ${version}` : ''}: ${summary} (by ${author})`;
}
