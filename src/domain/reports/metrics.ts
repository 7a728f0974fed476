// Incident time metrics as percentiles per service and per team (REFERENCE §3), and repair debt over time: open and
// overdue action items at each step of a range, per team and service. Pure.
import { isOverdue, type ActionItemStatus } from '../postmortem/document.js';

export interface Percentiles {
  count: number;
  p50: number;
  p90: number;
  max: number;
}

/**
 * Nearest-rank percentiles (the value at rank ceil(q·n)): always a value that occurred, so "p90 TTD 42 min" names a
 * real incident's figure; the same rule as the on-call load report. Null with no values.
 */
export function percentilesOf(values: readonly number[]): Percentiles | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]!;
  return { count: s.length, p50: at(0.5), p90: at(0.9), max: s[s.length - 1]! };
}

export interface IncidentMetricsInput {
  id: string;
  services: readonly string[];
  /** Teams owning the affected services. */
  teams: readonly string[];
  detectedBy: string;
  ttdMinutes: number | null;
  tteMinutes: number | null;
  ttfMinutes: number | null;
  ttmMinutes: number | null;
}

export interface MetricsGroup {
  /** Service or team name; `all` for the whole set. */
  name: string;
  incidents: number;
  /** Incidents customers detected before monitoring did. */
  customerDetected: number;
  ttd: Percentiles | null;
  tte: Percentiles | null;
  ttf: Percentiles | null;
  ttm: Percentiles | null;
}

function group(name: string, list: readonly IncidentMetricsInput[]): MetricsGroup {
  const of = (pick: (i: IncidentMetricsInput) => number | null) => percentilesOf(list.map(pick).filter((v): v is number => v !== null));
  return {
    name,
    incidents: list.length,
    customerDetected: list.filter((i) => i.detectedBy === 'customer').length,
    ttd: of((i) => i.ttdMinutes),
    tte: of((i) => i.tteMinutes),
    ttf: of((i) => i.ttfMinutes),
    ttm: of((i) => i.ttmMinutes),
  };
}

/** An incident counts once for each of its services and each of its teams. Groups sorted by name. */
export function incidentMetrics(incidents: readonly IncidentMetricsInput[]): { all: MetricsGroup; byService: MetricsGroup[]; byTeam: MetricsGroup[] } {
  const by = (keys: (i: IncidentMetricsInput) => readonly string[]) => {
    const m = new Map<string, IncidentMetricsInput[]>();
    for (const i of incidents) for (const k of new Set(keys(i))) m.set(k, [...(m.get(k) ?? []), i]);
    return [...m.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, list]) => group(k, list));
  };
  return { all: group('all', incidents), byService: by((i) => i.services), byTeam: by((i) => i.teams) };
}

export interface DebtItem {
  status: ActionItemStatus;
  dueDate: string | null;
  createdAt: string;
  closedAt: string | null;
  team: string;
  service: string | null;
}

export interface DebtPoint {
  at: string;
  open: number;
  overdue: number;
}

export interface DebtGroup {
  name: string;
  open: number;
  overdue: number;
}

export interface RepairDebt {
  from: string;
  to: string;
  stepDays: number;
  /** Open and overdue items at from, from + step, ..., and at `to`. */
  points: DebtPoint[];
  /** As of `to`; groups with nothing open are left out. */
  byTeam: DebtGroup[];
  byService: DebtGroup[];
}

/** Open at `t`: created by then and not closed by then. */
function openAt(i: DebtItem, t: number): boolean {
  return Date.parse(i.createdAt) <= t && (i.closedAt === null || Date.parse(i.closedAt) > t);
}

export function repairDebt(items: readonly DebtItem[], fromMs: number, toMs: number, stepDays: number): RepairDebt {
  const step = stepDays * 86_400_000;
  const times: number[] = [];
  for (let t = fromMs; t < toMs; t += step) times.push(t);
  times.push(toMs);
  const count = (list: readonly DebtItem[], t: number) => {
    const open = list.filter((i) => openAt(i, t));
    return { open: open.length, overdue: open.filter((i) => isOverdue({ ...i, status: 'open' }, t)).length };
  };
  const groups = (key: (i: DebtItem) => string | null): DebtGroup[] => {
    const m = new Map<string, DebtItem[]>();
    for (const i of items) {
      const k = key(i);
      if (k !== null) m.set(k, [...(m.get(k) ?? []), i]);
    }
    return [...m.entries()]
      .map(([name, list]) => ({ name, ...count(list, toMs) }))
      .filter((g) => g.open > 0)
      .sort((a, b) => b.overdue - a.overdue || b.open - a.open || (a.name < b.name ? -1 : 1));
  };
  return {
    from: new Date(fromMs).toISOString(),
    to: new Date(toMs).toISOString(),
    stepDays,
    points: times.map((t) => ({ at: new Date(t).toISOString(), ...count(items, t) })),
    byTeam: groups((i) => i.team),
    byService: groups((i) => i.service),
  };
}
