// Opens pave's store: PGlite in a data folder by default, PostgreSQL when DATABASE_URL is given.
// Both go through node-postgres' Pool interface so Kysely sees one dialect and one set of type parsers.
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { Kysely, Migrator, PostgresDialect, sql, type MigrationProvider } from 'kysely';
import pg from 'pg';
import { postgresLeadership, soleLeadership, type Leadership } from './leadership.js';
import { lockDataFolder, type DataFolderLock } from './lock.js';
import { migrations } from './migrations/index.js';
import type { Database } from './schema.js';

// bigint columns (audit ids, counters) stay exact as strings; numeric too.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => v);

export type StoreKind = 'pglite' | 'postgres';

export interface StoreOptions {
  /** PostgreSQL connection string; when absent the embedded PGlite store in dataDir is used. */
  databaseUrl?: string;
  /** PGlite data folder (default `.pave` in the working directory). */
  dataDir?: string;
  /** Run pending migrations (default true). */
  migrate?: boolean;
}

export interface Store {
  readonly db: Kysely<Database>;
  readonly kind: StoreKind;
  /** Where the data lives, for messages: a folder or a redacted URL. */
  readonly location: string;
  /** Tells other processes where a server on this store listens (PGlite: written into the lock file). */
  announce(url: string): void;
  /** Leadership among replicas for once-only work (see leadership.ts); each call gives an independent lease. */
  leadership(key: bigint, onChange?: (leading: boolean) => void): Leadership;
  close(): Promise<void>;
}

export class SchemaTooNewError extends Error {
  constructor(
    readonly unknown: string[],
    readonly latestKnown: string,
  ) {
    super(
      `the store's schema is newer than this pave: it has migration(s) ${unknown.join(', ')} but this version ` +
        `knows up to ${latestKnown}. Upgrade pave to the version that wrote this store (migrations are forward-only).`,
    );
    this.name = 'SchemaTooNewError';
  }
}

export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.PAVE_DATA_DIR ?? '.pave');
}

export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'postgres://(unparseable url)';
  }
}

const provider: MigrationProvider = { getMigrations: async () => migrations };

export const latestMigration = Object.keys(migrations).sort().at(-1) ?? '';

/** Refuses a store whose schema has migrations this code does not know, then applies the missing ones. */
export async function migrateToLatest(db: Kysely<Database>): Promise<string[]> {
  const known = new Set(Object.keys(migrations));
  const { rows } = await sql<{ name: string }>`
    select name from kysely_migration where to_regclass('kysely_migration') is not null`
    .execute(db)
    .catch(() => ({ rows: [] as { name: string }[] }));
  const unknown = rows.map((r) => r.name).filter((n) => !known.has(n));
  if (unknown.length > 0) throw new SchemaTooNewError(unknown.sort(), latestMigration);

  const migrator = new Migrator({ db, provider });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/** Names of applied migrations; used by /readyz. */
export async function appliedMigrations(db: Kysely<Database>): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(db);
  return rows.map((r) => r.name);
}

export async function openStore(options: StoreOptions = {}): Promise<Store> {
  const migrate = options.migrate ?? true;
  if (options.databaseUrl) {
    const pool = new pg.Pool({ connectionString: options.databaseUrl, max: 10 });
    // An idle connection ended by the server (restart, failover, pg_terminate_backend) must not crash pave: the pool
    // drops it and the next query opens a new one.
    pool.on('error', (err) => process.emitWarning(`PostgreSQL connection lost: ${err.message}`, 'PaveStoreWarning'));
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    try {
      if (migrate) await migrateToLatest(db);
    } catch (err) {
      await db.destroy();
      throw err;
    }
    const url = options.databaseUrl;
    return {
      db,
      kind: 'postgres',
      location: redactUrl(url),
      announce: () => undefined,
      leadership: (key, onChange) => postgresLeadership(url, key, onChange),
      close: () => db.destroy(),
    };
  }

  const dataDir = resolve(options.dataDir ?? defaultDataDir());
  // The folder holds every secret hash and the audit log: only its owner may read it.
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const lock: DataFolderLock = lockDataFolder(dataDir);
  let db: Kysely<Database> | undefined;
  try {
    const { PGlite } = await import('@electric-sql/pglite');
    const { createPgConfig } = await import('@electric-sql/pglite/node-postgres');
    const pglite = await PGlite.create(resolve(dataDir, 'pgdata'));
    const pool = new pg.Pool({ ...createPgConfig(pglite), max: 1 } as unknown as pg.PoolConfig);
    db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    if (migrate) await migrateToLatest(db);
    const opened = db;
    return {
      db: opened,
      kind: 'pglite',
      location: dataDir,
      announce: (url) => lock.announce(url),
      leadership: () => soleLeadership(),
      close: async () => {
        try {
          await opened.destroy();
          await pglite.close();
        } finally {
          lock.release();
        }
      },
    };
  } catch (err) {
    await db?.destroy().catch(() => undefined);
    lock.release();
    throw err;
  }
}
