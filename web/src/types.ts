// The shapes of the API answers the UI reads (docs/api.md); only the fields it shows.

export interface ObjectStatus {
  generation: number;
  updatedAt: string;
  updatedBy: string;
  ownerTeam: string | null;
}

export interface Service {
  metadata: { name: string; labels?: Record<string, string> };
  spec: {
    owner: string;
    description?: string;
    tier: string;
    lifecycle?: string;
    escalationPolicy?: string;
    dependsOn?: { service: string; kind: 'hard' | 'soft' }[];
    links?: { title: string; url: string }[];
    runbook?: string;
  };
  status: ObjectStatus;
}

export interface SloSummary {
  status: string;
  sli?: number | null;
  remainingFraction?: number;
  burnRate1h?: number | null;
  timeToExhaustionMinutes?: number | null;
  firing?: string[];
  errors?: string[];
}

export interface SloObject {
  metadata: { name: string };
  spec: {
    service: string;
    description?: string;
    objective: number;
    window: { rolling?: string; calendar?: string; timezone?: string };
    budgeting: string;
    indicator: Record<string, unknown>;
  };
  summary?: SloSummary;
  evaluation?: SloEvaluation;
  dependencyCeiling?: { ceilingPercent: string; exceeds: boolean; dependencies: { name: string; objective: number }[] } | null;
}

export interface BurnRate {
  label: string;
  minutes: number;
  errorRatio: number | null;
  burnRate: number | null;
  events: number;
}

export interface Tier {
  id: string;
  severity: string;
  long: number;
  short: number;
  k: number;
  threshold: number;
  longRatio: number | null;
  shortRatio: number | null;
  longEvents: number;
  minEvents: number;
  firing: boolean;
}

export interface SloEvaluation {
  kind?: string;
  status: string;
  statusReason?: string;
  at?: string;
  window?: { start: string; end: string; periodMinutes: number };
  measured?: { from: string; to: string };
  method?: string;
  unit?: string;
  measurement?: { good: number; bad: number; events: number; dataMinutes: number; includedMinutes: number };
  sli?: number | null;
  budget?: { total: number; consumed: number; remaining: number; consumedFraction: number; remainingFraction: number };
  burnRates?: BurnRate[];
  timeToExhaustionMinutes?: number | null;
  exhaustionWindowMinutes?: number;
  tiers?: Tier[];
  noData?: { firing: boolean; dataMinutes: number; afterMinutes: number } | null;
  errors?: string[];
  components?: { name: string; sli: number | null; status: string }[];
  consumedFraction?: number;
  remainingFraction?: number;
}

export interface SloSeriesAnswer {
  slo: string;
  objectivePercent: number;
  from: number;
  to: number;
  stepMs: number;
  resolution: string;
  good: number[];
  total: number[];
}

export interface HistoryAnswer {
  slo: string;
  step: string;
  points: { t: string; sli: number | null; remainingFraction: number | null; status: string; burnRates: Record<string, number | null>; firing: string[] }[];
}

export interface Page {
  id: string;
  title: string;
  status: 'triggered' | 'acknowledged' | 'resolved';
  scope: string;
  team: string | null;
  service: string | null;
  escalationPolicy: string | null;
  unrouted: boolean;
  routeReason: string;
  createdAt: string;
  acknowledgedAt: string | null;
  acknowledgedBy: string | null;
  resolvedAt: string | null;
  resolvedBy: string | null;
  events?: { id: string; at: string; type: string; actor: string; details: Record<string, unknown> }[];
  alerts?: { identity: string; status: string; summary: string | null; severity: string | null; labels: Record<string, string>; startsAt: string }[];
}

export interface OncallItem {
  schedule: string;
  displayName?: string;
  owner: string;
  timezone: string;
  person: string | null;
  personDisplayName?: string | null;
  shift: { start: string | null; end: string | null } | null;
}

export interface Shift {
  person: string;
  displayName?: string;
  start: string;
  end: string;
  sources: { type: string; origin?: string; layer?: string; reason?: string }[];
}

export interface Override {
  origin: 'config' | 'api';
  id?: string;
  index?: number;
  person: string;
  start: string;
  end: string;
  reason?: string;
  createdBy?: string;
}

export interface Person {
  metadata: { name: string };
  spec: { displayName?: string; timezone: string };
}

// Change safety: rollouts and the release gate (src/api/rollouts.ts, src/api/gates.ts).

/** The kinds of change the gate accepts: the same list as src/domain/budget-policy/change-kinds.ts. */
export const changeKinds = ['deploy', 'fix', 'security', 'config', 'flag', 'infrastructure', 'rollback', 'rollout', 'break_glass'] as const;
/** Kinds a policy without its own `exempt` lets through a freeze (domain/budget-policy/policy.ts defaultExempt). */
export const defaultExemptKinds: readonly string[] = ['fix', 'security', 'rollback'];

export interface GateReason {
  slo: string;
  status: string;
  remainingFraction: number | null;
  action: 'none' | 'warn' | 'freeze';
  threshold: number | null;
  policy: string;
  message: string;
}

export interface GateAnswer {
  decision: 'allow' | 'warn' | 'deny';
  service: string;
  kind: string;
  frozen: boolean;
  exempt: boolean;
  brokeGlass: boolean;
  policy: { name: string; scope: 'service' | 'organization' | 'built-in'; enforcement: 'blocking' | 'advisory' };
  reasons: GateReason[];
  summary: string;
  version: string | null;
  checkedAt: string;
}

export interface RolloutObject {
  metadata: { name: string };
  spec: {
    service: string;
    description?: string;
    changeKind?: string;
    version?: string;
    target: { flag?: string; webhook?: { url: string } };
    steps: { weight: number; bake?: string }[];
    guard?: { slos: string[]; onFailure: 'rollback' | 'pause' };
  };
}

export type RolloutPhase = 'pending' | 'progressing' | 'held' | 'paused' | 'completed' | 'rolled_back' | 'aborted';

/** The stored run of a rollout, or `pending` before the runner first picks it up. */
export interface RolloutRunState {
  phase: RolloutPhase;
  /** Zero-based index of the step in force; −1 before the first. */
  step: number;
  weight: number;
  reason: string;
  stepStartedAt?: string | null;
  lastError?: string | null;
  startedAt?: string;
  updatedAt?: string;
  updatedBy?: string;
}

export interface RolloutEvent {
  id: string;
  at: string;
  action: string;
  phase: RolloutPhase;
  step: number;
  weight: number;
  reason: string;
  actor: string;
  changeId: string | null;
}

export interface ChangeEventSummary {
  id: string;
  kind: string;
  at: string;
  summary: string;
  author?: string | null;
}

export interface RolloutStatus {
  name: string;
  service: string;
  target: { flag: string } | { webhook: true };
  revision: string;
  state: RolloutRunState;
  previousRun: RolloutRunState | null;
  steps: { step: number; weight: number; bakeMinutes: number }[];
  guard: { slos: string[]; onFailure: 'rollback' | 'pause' };
  analysis: { metrics: string[]; thresholds: { marginal: number; pass: number } } | null;
  events: RolloutEvent[];
  changes: ChangeEventSummary[];
}

// Reports (src/api/reports.ts; domain/oncall/load.ts, domain/reports/metrics.ts, domain/reports/weekly.ts).

export interface LoadDurations {
  count: number;
  medianMinutes: number;
  p90Minutes: number;
  maxMinutes: number;
}

export interface OncallLoadReport {
  schedule: string;
  team: string;
  from: string;
  to: string;
  pages: number;
  /** Pages created while nobody was on call. */
  unattended: number;
  /** Share of the range someone was on call. */
  coverage: number;
  people: {
    person: string;
    shifts: number;
    onCallHours: number;
    onCallShare: number;
    pages: number;
    nightPages: number;
    weekendPages: number;
    pagesPer12Hours: number | null;
    timeToAcknowledge: LoadDurations | null;
    timeToResolve: LoadDurations | null;
  }[];
  shifts: { person: string; start: string; end: string; pages: number; nightPages: number; pagesPer12Hours: number; overLimit: boolean }[];
  noisiest: { title: string; pages: number }[];
  fairness: { pagesHighest: number; pagesLowest: number; busiestShareOfPages: number | null; onCallHoursHighest: number; onCallHoursLowest: number };
  warnings: string[];
}

export interface RepairDebtReport {
  from: string;
  to: string;
  stepDays: number;
  points: { at: string; open: number; overdue: number }[];
  byTeam: { name: string; open: number; overdue: number }[];
  byService: { name: string; open: number; overdue: number }[];
}

export interface Percentiles {
  count: number;
  p50: number;
  p90: number;
  max: number;
}

export interface IncidentMetricsGroup {
  name: string;
  incidents: number;
  customerDetected: number;
  ttd: Percentiles | null;
  tte: Percentiles | null;
  ttf: Percentiles | null;
  ttm: Percentiles | null;
}

export interface IncidentMetricsReport {
  from: string;
  to: string;
  truncated: boolean;
  goals: { ttdMinutes: number | null; tteMinutes: number | null; ttmMinutes: number | null };
  all: IncidentMetricsGroup;
  byService: IncidentMetricsGroup[];
  byTeam: IncidentMetricsGroup[];
}

export interface WeeklyReport {
  week: string;
  from: string;
  to: string;
  slos: { name: string; service: string; team: string; objectivePercent: string; sli: number | null; budgetRemainingFraction: number | null; status: string }[];
  pages: { total: number; byTeam: { team: string; pages: number; nightPages: number }[] };
  oncall: { schedule: string; team: string; pages: number; shiftsOverLimit: number; nightPages: number; warnings: string[] }[];
  incidents: {
    id: string;
    title: string;
    severity: string;
    status: string;
    services: string[];
    detectedBy: string;
    ttdMinutes: number | null;
    tteMinutes: number | null;
    ttfMinutes: number | null;
    ttmMinutes: number | null;
  }[];
  overdueActionItems: { id: string; incidentId: string; title: string; owner: string; team: string; dueDate: string }[];
  postmortemsDue: { incidentId: string; title: string; status: string; dueDate: string | null; overdue: boolean }[];
}
