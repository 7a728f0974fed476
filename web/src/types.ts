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
