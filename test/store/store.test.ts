import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { appendAudit, listAudit } from '../../src/store/audit.js';
import { DataFolderLockedError } from '../../src/store/lock.js';
import { migrations } from '../../src/store/migrations/index.js';
import { latestMigration, migrateToLatest, openStore, SchemaTooNewError } from '../../src/store/store.js';
import { countActiveAdmins, createToken, revokeToken, verifyToken } from '../../src/store/tokens.js';
import pg from 'pg';
import { backends, openTestStore, type TestStore } from '../support/stores.js';

for (const { backend, skip } of backends) {
  describe.skipIf(skip)(`store on ${backend}`, () => {
    let store: TestStore;
    beforeAll(async () => {
      store = await openTestStore(backend);
    });
    afterAll(async () => {
      await store?.close();
    });

    it('runs migrations once and is idempotent', async () => {
      expect(await migrateToLatest(store.db)).toEqual([]);
      const { rows } = await sql<{ name: string }>`select name from kysely_migration`.execute(store.db);
      expect(rows.map((r) => r.name)).toEqual(Object.keys(migrations).sort());
      expect(rows[0]!.name).toBe('0001_foundation');
    });

    it('refuses a schema newer than the code, naming the unknown migration', async () => {
      await sql`insert into kysely_migration (name, timestamp) values ('9999_from_the_future', now())`.execute(store.db);
      try {
        const err = await migrateToLatest(store.db).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(SchemaTooNewError);
        expect((err as Error).message).toContain('9999_from_the_future');
        expect((err as Error).message).toContain(latestMigration);
      } finally {
        await sql`delete from kysely_migration where name = '9999_from_the_future'`.execute(store.db);
      }
    });

    it('keeps the audit log append-only in the database itself', async () => {
      await appendAudit(store.db, [{ actor: 'test', action: 'create', kind: 'Team', name: 'x', after: { a: 1 }, requestId: 'r1' }]);
      await expect(sql`update audit_log set actor = 'mallory'`.execute(store.db)).rejects.toThrow(/append-only/);
      await expect(sql`delete from audit_log`.execute(store.db)).rejects.toThrow(/append-only/);
      await expect(sql`truncate audit_log`.execute(store.db)).rejects.toThrow(/append-only/);
      const [entry] = await listAudit(store.db, { kind: 'Team', name: 'x', limit: 10 });
      expect(entry).toMatchObject({ actor: 'test', action: 'create', after: { a: 1 }, before: null, requestId: 'r1' });
    });

    it('writes an audit batch larger than one statement can bind (an apply of 12,000 objects)', async () => {
      const entries = Array.from({ length: 12_000 }, (_, i) => ({ actor: 'bulk', action: 'create', kind: 'SLO', name: `slo-${i}`, after: { i } }));
      await appendAudit(store.db, entries);
      const r = await sql<{ n: string }>`select count(*) as n from audit_log where actor = 'bulk'`.execute(store.db);
      expect(Number(r.rows[0]!.n)).toBe(12_000);
    });

    it('stores tokens hashed and verifies, expires and revokes them', async () => {
      const now = new Date('2026-01-01T00:00:00Z');
      const { token, info } = await createToken(store.db, { name: 'ci', role: 'viewer', createdBy: 't', expiresAt: new Date('2026-02-01T00:00:00Z') });
      expect(token).toMatch(/^pave_[a-z0-9]{10}_[A-Za-z0-9_-]{43}$/);
      const row = await store.db.selectFrom('tokens').selectAll().where('id', '=', info.id).executeTakeFirstOrThrow();
      expect(row.secret_hash).not.toContain(token.slice('pave_0123456789_'.length));
      expect(row.secret_hash).toMatch(/^[0-9a-f]{64}$/);
      expect((await verifyToken(store.db, token, now))?.id).toBe(info.id);
      // One character changed (to one it is not already) must fail.
      expect(await verifyToken(store.db, `${token.slice(0, -1)}${token.endsWith("A") ? "B" : "A"}`, now)).toBeUndefined();
      expect(await verifyToken(store.db, token, new Date('2026-02-01T00:00:00Z'))).toBeUndefined();
      await revokeToken(store.db, info.id, now, { actor: 'test' });
      expect(await revokeToken(store.db, info.id, now, { actor: 'test' })).toBeUndefined();
      const audit = await listAudit(store.db, { kind: 'Token', name: info.id, limit: 10 });
      expect(audit.map((e) => e.action)).toEqual(['revoke', 'create']);
      expect(JSON.stringify(audit)).not.toContain(row.secret_hash);
      expect(await verifyToken(store.db, token, now)).toBeUndefined();
    });

    // Registered on PostgreSQL only (PGlite has no server to drop connections), so nothing shows as skipped.
    if (backend === 'postgres') it('survives the server ending its idle connections', async () => {
      await sql`select 1`.execute(store.db);
      const admin = new pg.Client({ connectionString: store.where });
      await admin.connect();
      try {
        const { rows } = await admin.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()');
        expect(rows.length).toBeGreaterThan(0);
      } finally {
        await admin.end();
      }
      await new Promise((r) => setTimeout(r, 200));
      const { rows } = await sql<{ ok: number }>`select 1 as ok`.execute(store.db);
      expect(rows).toEqual([{ ok: 1 }]);
    });

    it('counts only working admin tokens as admins', async () => {
      const now = new Date('2026-06-01T00:00:00Z');
      const before = await countActiveAdmins(store.db, now);
      await createToken(store.db, { name: 'old-admin', role: 'admin', createdBy: 't', expiresAt: new Date('2026-05-01T00:00:00Z') });
      expect(await countActiveAdmins(store.db, now)).toBe(before);
      await createToken(store.db, { name: 'admin', role: 'admin', createdBy: 't' });
      expect(await countActiveAdmins(store.db, now)).toBe(before + 1);
    });
  });
}

describe('PGlite data folder lock', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'pave-lock-'));
    cpSync(inject('pgliteTemplate'), dir, { recursive: true });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses a second process, naming the holder PID, and takes over a stale lock after SIGKILL', async () => {
    const holder = spawn(
      process.execPath,
      ['--import', 'tsx', '-e', `const { openStore } = await import('./src/store/store.ts'); await openStore({ dataDir: ${JSON.stringify(dir)} }); console.log('open'); setInterval(() => {}, 1000);`],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    try {
      await new Promise<void>((resolve, reject) => {
        holder.stdout!.on('data', (d: Buffer) => d.toString().includes('open') && resolve());
        holder.once('exit', (code) => reject(new Error(`holder exited with ${code}`)));
      });
      const err = await openStore({ dataDir: dir }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DataFolderLockedError);
      expect((err as DataFolderLockedError).holder.pid).toBe(holder.pid);
      expect((err as Error).message).toContain(`in use by process ${holder.pid}`);
      expect(JSON.parse(readFileSync(join(dir, 'pave.lock'), 'utf8')).pid).toBe(holder.pid);
    } finally {
      holder.kill('SIGKILL');
      await new Promise((r) => holder.once('exit', r));
    }
    // The holder died without releasing: its lock is stale and the next open takes it over.
    const store = await openStore({ dataDir: dir });
    try {
      expect(JSON.parse(readFileSync(join(dir, 'pave.lock'), 'utf8')).pid).toBe(process.pid);
      const err = await openStore({ dataDir: dir }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DataFolderLockedError);
    } finally {
      await store.close();
    }
    expect(() => readFileSync(join(dir, 'pave.lock'))).toThrow();
  });
});
