// Feature flags in the store: runtime state (kill switch, rollout percentage) beside each Flag object, its audited
// changes (each also a change event of kind `flag`), and FlagCatalog, the in-memory compiled flags that OFREP
// evaluation reads without touching the database on the request path.
import { createHash } from 'node:crypto';
import { sql, type Kysely, type Selectable, type Transaction } from 'kysely';
import { flagDefinition, flagLifetimeMinutes, type FlagSpec } from '../config/kinds/flag.js';
import { compileFlag, type CompiledFlag, type FlagRuntimeState } from '../domain/flags/evaluate.js';
import { staleFlags, type FlagAge, type FlagPurpose, type StaleFlag } from '../domain/flags/stale.js';
import type { ConfigObject } from '../domain/objects.js';
import { appendAudit } from './audit.js';
import { catalogVersion } from './catalog-version.js';
import { recordChange } from './changes.js';
import { getObject, listObjects, type StoredObject } from './objects.js';
import type { Database } from './schema.js';

/** The flag_state table (migration 0011); kept out of schema.ts so this module owns it whole. */
export interface FlagStateTable {
  flag: string;
  enabled: boolean | null;
  percentage: number | null;
  updated_at: Date;
  updated_by: string;
  reason: string | null;
}

type Db = Kysely<Database> | Transaction<Database>;
type FlagDb = Kysely<Database & { flag_state: FlagStateTable }>;

function withFlagState(db: Db): FlagDb {
  return (db as Kysely<Database>).withTables<{ flag_state: FlagStateTable }>();
}

/** The audit log's kind for runtime changes; the name is the flag's. */
export const flagStateAuditKind = 'FlagState';

export interface FlagState {
  flag: string;
  /** null: the file decides. */
  enabled: boolean | null;
  percentage: number | null;
  updatedAt: string;
  updatedBy: string;
  reason: string | null;
}

function toState(r: Selectable<FlagStateTable>): FlagState {
  return {
    flag: r.flag,
    enabled: r.enabled,
    percentage: r.percentage === null ? null : Number(r.percentage),
    updatedAt: new Date(r.updated_at).toISOString(),
    updatedBy: r.updated_by,
    reason: r.reason,
  };
}

/** A state written before its flag was (last) created belongs to a deleted flag of the same name. */
function current(state: FlagState | undefined, obj: StoredObject): FlagState | undefined {
  return state && state.updatedAt >= obj.status.createdAt ? state : undefined;
}

function runtimeOf(state: FlagState | undefined): FlagRuntimeState {
  return {
    ...(state?.enabled != null ? { enabled: state.enabled } : {}),
    ...(state?.percentage != null ? { percentage: state.percentage } : {}),
  };
}

export async function listFlagStates(db: Db): Promise<Map<string, FlagState>> {
  const rows = await withFlagState(db).selectFrom('flag_state').selectAll().execute();
  return new Map(rows.map((r) => [r.flag, toState(r)]));
}

export async function getFlagState(db: Db, flag: string): Promise<FlagState | undefined> {
  const row = await withFlagState(db).selectFrom('flag_state').selectAll().where('flag', '=', flag).executeTakeFirst();
  return row ? toState(row) : undefined;
}

/** A flag as stored: the object, its runtime state (if any, and current) and what is in force. */
export interface FlagView {
  object: StoredObject;
  state: FlagState | undefined;
  effective: { enabled: boolean; percentage: number | null };
}

function viewOf(object: StoredObject, state: FlagState | undefined): FlagView {
  const spec = object.spec as unknown as FlagSpec;
  const s = current(state, object);
  return {
    object,
    state: s,
    effective: {
      enabled: s?.enabled ?? spec.enabled,
      percentage: spec.rollout ? (s?.percentage ?? spec.rollout.percentage) : null,
    },
  };
}

export async function getFlag(db: Db, name: string): Promise<FlagView | undefined> {
  const obj = await getObject(db, 'Flag', name);
  return obj ? viewOf(obj, await getFlagState(db, name)) : undefined;
}

export async function listFlags(db: Db): Promise<FlagView[]> {
  const [objects, states] = await Promise.all([listObjects(db, 'Flag'), listFlagStates(db)]);
  return objects.map((o) => viewOf(o, states.get(o.metadata.name)));
}

export interface FlagRolloutChange {
  /** 0..100; only for a flag with a rollout. */
  percentage?: number;
  /** The kill switch: false serves the off variant to everyone. */
  enabled?: boolean;
  /** Forget the runtime state: the file decides again. Not with percentage or enabled. */
  reset?: boolean;
  /** Why, for the audit log and the change event. */
  reason?: string;
}

export interface FlagActor {
  actor: string;
  requestId?: string | null;
  /** When the change is recorded as happening (change event time); now by default. */
  now?: Date;
}

export type FlagChangeErrorCode = 'not_found' | 'no_rollout' | 'invalid';

export class FlagChangeError extends Error {
  constructor(
    readonly code: FlagChangeErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'FlagChangeError';
  }
}

export interface FlagRolloutResult {
  flag: string;
  changed: boolean;
  before: { enabled: boolean; percentage: number | null };
  after: { enabled: boolean; percentage: number | null };
  state: FlagState | undefined;
}

/** Serialises runtime changes of one flag (two-int advisory lock: a constant class, the name's hash). */
const flagLockClass = 0x666c6167; // "flag"

function describe(v: { enabled: boolean; percentage: number | null }): string {
  return `${v.enabled ? 'on' : 'off (kill switch)'}${v.percentage === null ? '' : `, rollout ${v.percentage}%`}`;
}

/**
 * Changes a flag's runtime state: the rollout percentage, the kill switch, or a reset to what the file says. One
 * transaction: the state, an audit entry (kind FlagState) and a change event of kind `flag` per service the flag
 * names (one without a service when it names none). Callers check permissions; this checks only that the flag exists
 * and, for a percentage, that it has a rollout. Throws FlagChangeError otherwise.
 */
export async function setFlagRollout(db: Db, flagName: string, change: FlagRolloutChange, actor: string | FlagActor): Promise<FlagRolloutResult> {
  const by: FlagActor = typeof actor === 'string' ? { actor } : actor;
  if (change.reset && (change.percentage !== undefined || change.enabled !== undefined)) {
    throw new FlagChangeError('invalid', 'reset forgets the runtime state: give it alone, not with percentage or enabled');
  }
  if (!change.reset && change.percentage === undefined && change.enabled === undefined) {
    throw new FlagChangeError('invalid', 'give percentage, enabled or reset');
  }
  if (change.percentage !== undefined && !(Number.isInteger(change.percentage) && change.percentage >= 0 && change.percentage <= 100)) {
    throw new FlagChangeError('invalid', `percentage must be a whole number from 0 to 100, got ${change.percentage}`);
  }
  const run = async (trx: Transaction<Database>): Promise<FlagRolloutResult> => {
    await sql`select pg_advisory_xact_lock(${flagLockClass}::int4, hashtext(${flagName}))`.execute(trx);
    const obj = await getObject(trx, 'Flag', flagName);
    if (!obj) throw new FlagChangeError('not_found', `flag ${flagName} does not exist`);
    const spec = obj.spec as unknown as FlagSpec;
    if (change.percentage !== undefined && !spec.rollout) {
      throw new FlagChangeError('no_rollout', `flag ${flagName} has no rollout section: add spec.rollout to its file to roll it out by percentage`);
    }
    const beforeView = viewOf(obj, await getFlagState(trx, flagName));
    const prior = beforeView.state;
    const next = change.reset
      ? { enabled: null, percentage: null }
      : { enabled: change.enabled ?? prior?.enabled ?? null, percentage: change.percentage ?? prior?.percentage ?? null };
    const t = withFlagState(trx);
    const row = await t
      .insertInto('flag_state')
      .values({ flag: flagName, enabled: next.enabled, percentage: next.percentage, updated_by: by.actor, reason: change.reason ?? null, updated_at: sql`clock_timestamp()` as never })
      .onConflict((oc) =>
        oc.column('flag').doUpdateSet({ enabled: next.enabled, percentage: next.percentage, updated_by: by.actor, reason: change.reason ?? null, updated_at: sql`clock_timestamp()` as never }),
      )
      .returningAll()
      .executeTakeFirstOrThrow();
    const state = toState(row);
    const after = viewOf(obj, state);
    const changed = after.effective.enabled !== beforeView.effective.enabled || after.effective.percentage !== beforeView.effective.percentage;
    const action = change.reset ? 'reset' : 'update';
    await appendAudit(trx, [
      {
        actor: by.actor,
        action,
        kind: flagStateAuditKind,
        name: flagName,
        before: { state: prior ?? null, effective: beforeView.effective },
        after: { state, effective: after.effective, ...(change.reason ? { reason: change.reason } : {}) },
        requestId: by.requestId ?? null,
      },
    ]);
    const summary = `flag ${flagName}: ${changed ? `${describe(beforeView.effective)} → ${describe(after.effective)}` : `still ${describe(after.effective)}`}${change.reset ? ' (runtime state reset to the file)' : ''}${change.reason ? ` — ${change.reason}` : ''}`;
    await recordFlagChange(trx, spec, flagName, by, summary, { flag: flagName, action, before: beforeView.effective, after: after.effective, ...(change.reason ? { reason: change.reason } : {}) });
    return { flag: flagName, changed, before: beforeView.effective, after: after.effective, state };
  };
  return db.isTransaction ? run(db as Transaction<Database>) : db.transaction().execute(run);
}

/** One change event of kind `flag` per service the flag names, or one without a service. */
async function recordFlagChange(db: Db, spec: Pick<FlagSpec, 'owner' | 'services'> | undefined, flagName: string, by: FlagActor, summary: string, details: Record<string, unknown>): Promise<void> {
  const services: (string | null)[] = spec?.services.length ? spec.services : [null];
  for (const service of services) {
    await recordChange(db, {
      kind: 'flag',
      service,
      team: spec?.owner ?? null,
      author: by.actor,
      summary,
      source: 'pave',
      at: by.now ?? new Date(),
      labels: { flag: flagName },
      details,
    });
  }
}

export interface AppliedFlagChange {
  action: 'create' | 'update' | 'delete';
  name: string;
  /** Changed fields, as the apply plan lists them. */
  fields?: string[];
}

/**
 * Records change events for Flag objects an apply created, updated or deleted (the apply already audited them).
 * Reads each flag's spec as applied; a deleted flag is recorded without services.
 */
export async function recordAppliedFlagChanges(db: Db, changes: AppliedFlagChange[], by: FlagActor): Promise<void> {
  for (const c of changes) {
    const obj = c.action === 'delete' ? undefined : await getObject(db, 'Flag', c.name);
    const spec = obj?.spec as unknown as FlagSpec | undefined;
    const what = c.action === 'create' ? 'created' : c.action === 'delete' ? 'deleted' : `changed (${(c.fields ?? []).join(', ') || 'spec'})`;
    await recordFlagChange(db, spec, c.name, by, `flag ${c.name} ${what} by apply`, { flag: c.name, action: `apply:${c.action}`, ...(c.fields ? { fields: c.fields } : {}) });
  }
}

/** Flags past their expected lifetime at `now`, with their state in force. */
export async function listStaleFlags(db: Db, now: Date, team?: string): Promise<StaleFlag[]> {
  const ages: FlagAge[] = (await listFlags(db))
    .filter((f) => !team || (f.object.spec as unknown as FlagSpec).owner === team)
    .map((f) => {
      const spec = f.object.spec as unknown as FlagSpec;
      return {
        name: f.object.metadata.name,
        owner: spec.owner,
        purpose: spec.purpose as FlagPurpose,
        lifetimeMinutes: flagLifetimeMinutes(spec),
        createdMs: Date.parse(f.object.status.createdAt),
        enabled: f.effective.enabled,
        percentage: f.effective.percentage ?? undefined,
      };
    });
  return staleFlags(ages, now.getTime());
}

/** Every flag compiled with its runtime state, and a version that changes whenever either does. */
export interface FlagSnapshot {
  version: string;
  flags: ReadonlyMap<string, CompiledFlag>;
  loadedAt: number;
}

async function flagVersion(db: Kysely<Database>): Promise<string> {
  const [objects, states] = await Promise.all([
    catalogVersion(db, ['Flag']),
    sql<{ n: string; at: string | null }>`select count(*)::text as n, max(updated_at)::text as at from flag_state`.execute(db),
  ]);
  const s = states.rows[0];
  return `${objects}|${s?.n ?? 0}/${s?.at ?? ''}`;
}

export interface FlagCatalogOptions {
  /** How long a snapshot is served before the store is asked whether anything changed (other replicas' writes). */
  maxAgeMs: number;
  now: () => number;
}

/**
 * The compiled flags OFREP serves. A request reads the snapshot in memory and never waits for the store once one is
 * loaded: when the snapshot is older than `maxAgeMs`, the request that notices starts a check in the background (one
 * cheap query for the flags' version; a recompilation only when it moved) and still answers from the snapshot it has,
 * so a busy store never delays an evaluation. A write made through this server calls invalidate(), and the next
 * request waits for a snapshot loaded after it, so the change is visible at once.
 */
export class FlagCatalog {
  private snapshot: FlagSnapshot | undefined;
  private checkedAt = -Infinity;
  private loading: Promise<FlagSnapshot> | undefined;
  private rawVersion = '';
  /** invalidate() calls so far, and how many of them the snapshot reflects (it was loaded after them). */
  private wanted = 0;
  private loaded = 0;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly opts: FlagCatalogOptions = { maxAgeMs: 1000, now: Date.now },
  ) {}

  /** The next current() waits for a snapshot loaded after this call. */
  invalidate(): void {
    this.wanted++;
  }

  async current(): Promise<FlagSnapshot> {
    if (this.snapshot && this.loaded === this.wanted) {
      if (this.opts.now() - this.checkedAt >= this.opts.maxAgeMs && !this.loading) {
        // A failed check leaves checkedAt as it was: the next request tries again.
        this.load().catch(() => undefined);
      }
      return this.snapshot;
    }
    return this.fresh();
  }

  /** Waits for any check in flight (and one after the last invalidate()); what tests and shutdown use. */
  async fresh(): Promise<FlagSnapshot> {
    // A load that began before the last invalidate() may have read the store before that write: load again.
    while (!this.snapshot || this.loaded < this.wanted) await this.load();
    if (this.loading) await this.loading;
    return this.snapshot;
  }

  private load(): Promise<FlagSnapshot> {
    return (this.loading ??= this.refresh().finally(() => (this.loading = undefined)));
  }

  private async refresh(): Promise<FlagSnapshot> {
    const generation = this.wanted;
    const now = this.opts.now();
    const version = await flagVersion(this.db);
    if (!this.snapshot || this.rawVersion !== version) {
      const [objects, states] = await Promise.all([listObjects(this.db, 'Flag'), listFlagStates(this.db)]);
      const flags = new Map<string, CompiledFlag>();
      for (const o of objects) {
        const def = flagDefinition(o as unknown as ConfigObject<FlagSpec>);
        flags.set(o.metadata.name, compileFlag(def, runtimeOf(current(states.get(o.metadata.name), o))));
      }
      // Clients see a digest of the version, not the catalog's counts and times.
      this.snapshot = { version: createHash('sha1').update(version).digest('base64url').slice(0, 16), flags, loadedAt: now };
      this.rawVersion = version;
    }
    this.checkedAt = now;
    this.loaded = Math.max(this.loaded, generation);
    return this.snapshot!;
  }
}
