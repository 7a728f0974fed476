// Kysely table types: the shape of every table pave owns. Columns are snake_case as in SQL.
import type { ColumnType, Generated } from 'kysely';

type Timestamp = ColumnType<Date, Date | string, Date | string>;
/** A timestamp the database fills in by default. */
type DefaultTimestamp = ColumnType<Date, Date | string | undefined, Date | string>;
/** JSON read as a value, written as its JSON text. */
type Json<T> = ColumnType<T, string, string>;

export interface ObjectsTable {
  kind: string;
  name: string;
  api_version: string;
  metadata: Json<Record<string, unknown>>;
  spec: Json<Record<string, unknown>>;
  /** Team that owns the object, derived by its kind at apply time; null for objects only admins may change. */
  owner_team: string | null;
  source_file: string | null;
  generation: number;
  created_at: DefaultTimestamp;
  updated_at: DefaultTimestamp;
  updated_by: string;
}

export interface TokensTable {
  id: string;
  name: string;
  secret_hash: string;
  role: string;
  team: string | null;
  services: ColumnType<string[], string | undefined, string>;
  created_at: DefaultTimestamp;
  created_by: string;
  expires_at: Timestamp | null;
  revoked_at: Timestamp | null;
  last_used_at: Timestamp | null;
}

/** The web UI's signed-in sessions (api/session.ts): a random secret in the cookie, its hash here. */
export interface WebSessionsTable {
  secret_hash: string;
  token_id: string;
  created_at: DefaultTimestamp;
  expires_at: Timestamp;
}

export interface AuditLogTable {
  id: Generated<string>;
  at: ColumnType<Date, Date | string | undefined, never>;
  actor: string;
  action: string;
  kind: string;
  name: string;
  before: ColumnType<unknown, string | null, never>;
  after: ColumnType<unknown, string | null, never>;
  request_id: string | null;
}

export interface MetaTable {
  key: string;
  value: string;
}

export interface SliSeriesTable {
  id: Generated<string>;
  key: string;
  name: string;
  labels: Json<Record<string, string>>;
  created_at: DefaultTimestamp;
}

export interface SliMinutesTable {
  series_id: string;
  minute: Timestamp;
  good: ColumnType<string, number | string, number | string>;
  total: ColumnType<string, number | string, number | string>;
}

export interface SliHoursTable {
  series_id: string;
  hour: Timestamp;
  good: ColumnType<string, number | string, number | string>;
  total: ColumnType<string, number | string, number | string>;
}

export interface IngestBatchesTable {
  key: string;
  at: DefaultTimestamp;
  items: number;
  digest: string;
  actor: string;
}

export interface SloAlertsTable {
  alert_id: string;
  slo: string;
  kind: string;
  severity: string;
  state: string;
  since: Timestamp;
  details: Json<Record<string, unknown>>;
}

export interface SloAlertEventsTable {
  id: Generated<string>;
  alert_id: string;
  slo: string;
  kind: string;
  severity: string;
  state: string;
  at: Timestamp;
  details: Json<Record<string, unknown>>;
}

/** An on-call override made through the API; the Schedule object's own overrides stay in its spec. */
export interface ScheduleOverridesTable {
  id: Generated<string>;
  schedule: string;
  person: string;
  starts_at: Timestamp;
  ends_at: Timestamp;
  reason: string;
  created_at: DefaultTimestamp;
  created_by: string;
}

/** An integration key: only its SHA-256 is stored. */
export interface IntegrationKeysTable {
  id: string;
  integration: string;
  key_hash: string;
  created_at: DefaultTimestamp;
  created_by: string;
  revoked_at: Timestamp | null;
}

/** A page: alerts of one group, routed to a team (or unrouted), triggered → acknowledged → resolved. */
export interface PagesTable {
  id: Generated<string>;
  scope: string;
  group_key: string;
  group_labels: Json<Record<string, string>>;
  title: string;
  status: string;
  team: string | null;
  service: string | null;
  escalation_policy: string | null;
  unrouted: boolean;
  route_reason: string;
  created_at: Timestamp;
  acknowledged_at: Timestamp | null;
  acknowledged_by: string | null;
  resolved_at: Timestamp | null;
  resolved_by: string | null;
}

/** One occurrence of an alert: firing until resolved; a new occurrence after that is a new row. */
export interface AlertsTable {
  id: Generated<string>;
  scope: string;
  source: string;
  identity: string;
  source_group: string | null;
  status: string;
  labels: Json<Record<string, string>>;
  annotations: Json<Record<string, string>>;
  summary: string;
  severity: string | null;
  starts_at: Timestamp;
  expires_at: Timestamp | null;
  resolved_at: Timestamp | null;
  first_received_at: Timestamp;
  last_received_at: Timestamp;
  received_count: number;
  details: Json<Record<string, unknown>>;
  /** Null while a silence keeps the alert off a page. */
  page_id: string | null;
  /** The silence that kept it off a page (migration 0007); null once it is on a page. */
  silenced_by: string | null;
}

/** Everything that happened to a page, append-only; `triggered` rows are what escalation consumes. */
export interface PageEventsTable {
  id: Generated<string>;
  page_id: string;
  at: Timestamp;
  type: string;
  actor: string;
  alert_id: string | null;
  details: Json<Record<string, unknown>>;
}

/** A change event (a deploy, config, flag, ... change; PagerDuty's too): a mark on the timeline, never a page (0005, 0009). */
export interface ChangeEventsTable {
  id: Generated<string>;
  /** The PagerDuty integration that sent it; null for changes recorded through the API or by pave itself. */
  integration: string | null;
  kind: string;
  service: string | null;
  team: string | null;
  version: string | null;
  author: string;
  /** Who wrote it (a token, an integration, pave); `author` is who made the change, which a pipeline may name. */
  recorded_by: string;
  at: Timestamp;
  received_at: Timestamp;
  summary: string;
  source: string | null;
  link: string | null;
  labels: ColumnType<Record<string, string>, string | undefined, string>;
  details: Json<Record<string, unknown>>;
}

/** A page's escalation: its policy as it was at the start, the next firing and when it is due. */
export interface EscalationsTable {
  page_id: string;
  policy: string;
  policy_spec: Json<Record<string, unknown>>;
  page: Json<Record<string, unknown>>;
  state: string;
  started_at: Timestamp;
  next_index: number;
  next_due_at: Timestamp | null;
  stopped_at: Timestamp | null;
  stopped_by: string | null;
}

/** What happened to an escalation, append-only: started, each step fired, acknowledged, resolved, unacknowledged. */
export interface EscalationEventsTable {
  id: Generated<string>;
  page_id: string;
  type: string;
  due_at: Timestamp | null;
  at: Timestamp;
  step: number | null;
  round: number | null;
  actor: string;
  details: Json<Record<string, unknown>>;
}

/** One notification in the outbox: where to, what, and its delivery state. */
export interface NotificationsTable {
  id: Generated<string>;
  idempotency_key: string;
  page_id: string | null;
  event_type: string;
  person: string | null;
  channel: string;
  destination: Json<Record<string, unknown>>;
  payload: Json<Record<string, unknown>>;
  state: string;
  cancel_on_ack: boolean;
  attempts: ColumnType<number, number | undefined, number>;
  next_attempt_at: Timestamp;
  last_error: string | null;
  created_at: Timestamp;
  sent_at: Timestamp | null;
  updated_at: Timestamp;
}

/** One delivery attempt of a notification. */
export interface NotificationAttemptsTable {
  id: Generated<string>;
  notification_id: string;
  attempt: number;
  at: Timestamp;
  outcome: string;
  duration_ms: number;
  status_code: number | null;
  error: string | null;
}

export interface Database {
  objects: ObjectsTable;
  tokens: TokensTable;
  web_sessions: WebSessionsTable;
  audit_log: AuditLogTable;
  pave_meta: MetaTable;
  sli_series: SliSeriesTable;
  sli_minutes: SliMinutesTable;
  sli_hours: SliHoursTable;
  ingest_batches: IngestBatchesTable;
  slo_alerts: SloAlertsTable;
  slo_alert_events: SloAlertEventsTable;
  schedule_overrides: ScheduleOverridesTable;
  integration_keys: IntegrationKeysTable;
  pages: PagesTable;
  alerts: AlertsTable;
  page_events: PageEventsTable;
  change_events: ChangeEventsTable;
  escalations: EscalationsTable;
  escalation_events: EscalationEventsTable;
  notifications: NotificationsTable;
  notification_attempts: NotificationAttemptsTable;
}
