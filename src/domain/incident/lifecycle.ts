// Incidents, pure: the vocabulary (statuses, severities, roles, who detected it, note kinds), which status changes are
// allowed, and which times a status change sets or clears.

export type IncidentStatus = 'investigating' | 'identified' | 'monitoring' | 'resolved';
export const incidentStatuses: readonly IncidentStatus[] = ['investigating', 'identified', 'monitoring', 'resolved'];

/** A severity label from the organisation's scale (SEV1–SEV4 by default). */
export type Severity = string;
/** The default scale, most severe first. */
export const severities: readonly Severity[] = ['SEV1', 'SEV2', 'SEV3', 'SEV4'];

/** The severity labels an organisation uses, most severe first, and the one a declaration gets when it names none. */
export interface SeverityScale {
  levels: readonly Severity[];
  default: Severity;
}

export const defaultSeverityScale: SeverityScale = { levels: severities, default: 'SEV3' };

const severityLabel = /^[A-Za-z0-9][A-Za-z0-9_-]{0,19}$/;

/**
 * The scale from PAVE_INCIDENT_SEVERITIES (labels most severe first, e.g. `SEV0,SEV1,SEV2,SEV3`) and
 * PAVE_INCIDENT_DEFAULT_SEVERITY (default: SEV3 when on the scale, else the least severe). Throws a message naming the
 * variable on anything else.
 */
export function severityScaleFromEnv(env: Readonly<Record<string, string | undefined>>): SeverityScale {
  const text = env.PAVE_INCIDENT_SEVERITIES?.trim();
  const levels = text ? text.split(',').map((l) => l.trim()) : [...severities];
  if (levels.length < 2 || levels.length > 10) throw new Error(`PAVE_INCIDENT_SEVERITIES: expected 2 to 10 comma-separated labels, most severe first (e.g. SEV1,SEV2,SEV3,SEV4), got '${text}'`);
  for (const l of levels) {
    if (!severityLabel.test(l)) throw new Error(`PAVE_INCIDENT_SEVERITIES: '${l}' is not a label (letters, digits, - and _, at most 20)`);
  }
  if (new Set(levels).size !== levels.length) throw new Error(`PAVE_INCIDENT_SEVERITIES: a label appears twice in '${text}'`);
  const wanted = env.PAVE_INCIDENT_DEFAULT_SEVERITY?.trim();
  if (wanted && !levels.includes(wanted)) throw new Error(`PAVE_INCIDENT_DEFAULT_SEVERITY: '${wanted}' is not on the scale ${levels.join(', ')}`);
  return { levels, default: wanted || (levels.includes('SEV3') ? 'SEV3' : levels[levels.length - 1]!) };
}

/** The four incident roles (DESIGN §8); each is held by at most one person at a time. */
export type IncidentRole = 'commander' | 'operations' | 'communications' | 'planning';
export const incidentRoles: readonly IncidentRole[] = ['commander', 'operations', 'communications', 'planning'];
export const roleTitles: Record<IncidentRole, string> = {
  commander: 'incident commander',
  operations: 'operations lead',
  communications: 'communications lead',
  planning: 'planning lead',
};

export type DetectedBy = 'monitoring' | 'customer' | 'other';
export const detectedByValues: readonly DetectedBy[] = ['monitoring', 'customer', 'other'];

export type NoteKind = 'note' | 'decision' | 'irreversible_action' | 'dead_end';
export const noteKinds: readonly NoteKind[] = ['note', 'decision', 'irreversible_action', 'dead_end'];

/**
 * The allowed status changes. Forward moves may skip a step (a fix found while investigating goes straight to
 * monitoring); a relapse may go back from identified or monitoring; a resolved incident is closed for good — a
 * recurrence is a new incident, so the old one's times stay true.
 */
const allowed: Record<IncidentStatus, readonly IncidentStatus[]> = {
  investigating: ['identified', 'monitoring', 'resolved'],
  identified: ['investigating', 'monitoring', 'resolved'],
  monitoring: ['investigating', 'identified', 'resolved'],
  resolved: [],
};

export function allowedTransitions(from: IncidentStatus): readonly IncidentStatus[] {
  return allowed[from];
}

/** Why `from` → `to` is refused, or null when it is allowed. */
export function transitionRefusal(from: IncidentStatus, to: IncidentStatus): string | null {
  if (from === to) return `the incident is already ${from}`;
  if (allowed[from].includes(to)) return null;
  if (from === 'resolved') return `a resolved incident cannot become ${to}: declare a new incident for a recurrence`;
  return `${from} → ${to} is not allowed; from ${from} the incident may become ${allowed[from].join(', ')}`;
}

export interface StatusTimes {
  mitigatedAt: number | null;
  resolvedAt: number | null;
}

/**
 * The mitigation and resolution times after moving to `to` at `now`. Monitoring means the impact is mitigated (kept if
 * already stated); going back to investigating or identified means it was not, so the time is cleared; resolving
 * without a mitigation time takes the resolution time as both.
 */
export function timesAfterTransition(to: IncidentStatus, times: StatusTimes, now: number): StatusTimes {
  switch (to) {
    case 'investigating':
    case 'identified':
      return { mitigatedAt: null, resolvedAt: null };
    case 'monitoring':
      return { mitigatedAt: times.mitigatedAt ?? now, resolvedAt: null };
    case 'resolved':
      return { mitigatedAt: times.mitigatedAt ?? now, resolvedAt: now };
  }
}
