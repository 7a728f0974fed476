// Test stores on both engines. PGlite always; PostgreSQL when PAVE_TEST_DATABASE_URL is set (otherwise those suites
// are reported as skipped, never silently passed).
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { inject } from 'vitest';
import { openStore, type Store } from '../../src/store/store.js';

export type Backend = 'pglite' | 'postgres';

export const postgresUrl = process.env.PAVE_TEST_DATABASE_URL;

// In CI nothing may be skipped: a missing PostgreSQL is a failure there, not a skip.
if (process.env.CI && !postgresUrl) throw new Error('CI is set but PAVE_TEST_DATABASE_URL is not: the PostgreSQL suites would be skipped');

/** The engines a storage or API suite runs on, with whether each is available here. */
export const backends: { backend: Backend; skip: boolean }[] = [
  { backend: 'pglite', skip: false },
  { backend: 'postgres', skip: !postgresUrl },
];

export interface TestStore extends Store {
  /** Folder (PGlite) or database name (PostgreSQL) for tests that reopen the store. */
  readonly where: string;
}

function withDatabase(url: string, db: string): string {
  const u = new URL(url);
  u.pathname = `/${db}`;
  return u.toString();
}

/** A fresh, migrated, empty store; close() removes it. */
export async function openTestStore(backend: Backend): Promise<TestStore> {
  if (backend === 'pglite') {
    const dir = mkdtempSync(join(tmpdir(), 'pave-test-'));
    cpSync(inject('pgliteTemplate'), dir, { recursive: true });
    const store = await openStore({ dataDir: dir });
    return {
      ...store,
      db: store.db,
      where: dir,
      close: async () => {
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  if (!postgresUrl) throw new Error('PAVE_TEST_DATABASE_URL is not set');
  const name = `pave_test_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  const admin = new pg.Client({ connectionString: postgresUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = withDatabase(postgresUrl, name);
  const store = await openStore({ databaseUrl: url });
  return {
    ...store,
    db: store.db,
    where: url,
    close: async () => {
      await store.close();
      const c = new pg.Client({ connectionString: postgresUrl });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}
