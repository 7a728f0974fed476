// Which replica runs the work that must happen once (recording SLO alert transitions, later escalations): the one
// holding a PostgreSQL session advisory lock. The lock lives on a dedicated connection, so if the leader dies or its
// connection drops, PostgreSQL releases the lock and another replica takes it at its next attempt. On the embedded
// store one process owns the data folder (lock.ts), so it always leads.
import pg from 'pg';

export interface Leadership {
  /** True when this process leads now: takes the lock if free, or confirms it still holds it. Never throws. */
  hold(): Promise<boolean>;
  release(): Promise<void>;
}

/** Always the leader: for the embedded store, whose data folder one process owns. */
export function soleLeadership(): Leadership {
  return { hold: async () => true, release: async () => undefined };
}

/** Advisory-lock keys: one per kind of once-only work, stable across versions. */
export const leadershipKeys = { sloAlerts: 0x70617665_01n, escalations: 0x70617665_02n } as const;

/**
 * Leadership through `pg_try_advisory_lock(key)` on a connection of its own. `onChange` hears when this process
 * becomes or stops being the leader (for logs and metrics).
 */
export function postgresLeadership(connectionString: string, key: bigint, onChange?: (leading: boolean) => void): Leadership {
  let client: pg.Client | null = null;
  let leading = false;
  const set = (now: boolean) => {
    if (now !== leading) {
      leading = now;
      onChange?.(now);
    }
  };
  const drop = async () => {
    const c = client;
    client = null;
    set(false);
    await c?.end().catch(() => undefined);
  };
  return {
    async hold() {
      try {
        if (!client) {
          const c = new pg.Client({ connectionString });
          // A connection ended under us (failover, pg_terminate_backend) loses the lock with it.
          c.on('error', () => void drop());
          await c.connect();
          client = c;
        }
        if (leading) {
          // Still connected means still holding: the lock is released only with the session.
          await client.query('select 1');
          return true;
        }
        const r = await client.query<{ ok: boolean }>('select pg_try_advisory_lock($1::bigint) as ok', [key.toString()]);
        set(r.rows[0]?.ok === true);
        return leading;
      } catch {
        await drop();
        return false;
      }
    },
    async release() {
      await drop();
    },
  };
}
