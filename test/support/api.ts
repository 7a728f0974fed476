// An API server over a test store, with one token per role, for permission and behaviour tests.
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { buildServer, type ServerOptions } from '../../src/api/server.js';
import { applyFiles } from '../../src/catalog/apply.js';
import { createToken } from '../../src/store/tokens.js';
import { openTestStore, type Backend, type TestStore } from './stores.js';

export interface TestApi {
  app: FastifyInstance;
  store: TestStore;
  tokens: { admin: string; payments: string; storefront: string; viewer: string; ingest: string };
  call(method: string, url: string, opts?: { token?: string; body?: unknown; headers?: Record<string, string>; payload?: string | Buffer }): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

/** A small catalog: two teams, three people, three services; applied as admin. */
export const baseCatalog = `
apiVersion: pave/v1
kind: Person
metadata: { name: alice }
spec: { displayName: Alice, timezone: Europe/Paris }
---
apiVersion: pave/v1
kind: Person
metadata: { name: bob }
spec: { displayName: Bob, timezone: America/New_York }
---
apiVersion: pave/v1
kind: Person
metadata: { name: chen }
spec: { displayName: Chen, timezone: Asia/Singapore }
---
apiVersion: pave/v1
kind: Team
metadata: { name: payments }
spec: { members: [alice, bob] }
---
apiVersion: pave/v1
kind: Team
metadata: { name: storefront }
spec: { members: [chen] }
---
apiVersion: pave/v1
kind: Service
metadata: { name: checkout }
spec: { owner: payments, tier: critical, dependsOn: [ { service: payments-api } ] }
---
apiVersion: pave/v1
kind: Service
metadata: { name: payments-api }
spec: { owner: payments, tier: critical }
---
apiVersion: pave/v1
kind: Service
metadata: { name: web }
spec: { owner: storefront, tier: important, dependsOn: [ { service: checkout } ] }
`;

/** The checkout availability SLO most tests measure: 99.9% of checkout_requests without a 5xx code, rolling 30 days. */
export const checkoutAvailabilitySlo = `
---
apiVersion: pave/v1
kind: SLO
metadata: { name: checkout-availability }
spec:
  service: checkout
  indicator: { ratio: { good: { series: checkout_requests, match: { code: "!5xx" } }, total: { series: checkout_requests } } }
  objective: 99.9
  window: { rolling: 30d }
`;

export async function startTestApi(backend: Backend, opts: { catalog?: string; now?: () => Date; latenessMs?: number; notify?: ServerOptions['notify'] } = {}): Promise<TestApi> {
  const store = await openTestStore(backend);
  const catalog = opts.catalog ?? baseCatalog;
  if (catalog) {
    const r = await applyFiles(store.db, {
      files: [{ name: 'base.yaml', content: catalog }],
      prune: false,
      dryRun: false,
      principal: { actor: 'test:setup', role: 'admin' },
      // At the test's time: its change events (a Flag's) sort among the test's own.
      ...(opts.now ? { now: opts.now() } : {}),
    });
    if (r.outcome !== 'applied') throw new Error(`base catalog did not apply: ${JSON.stringify(r.issues)}`);
  }
  const mk = async (name: string, role: 'admin' | 'member' | 'viewer' | 'ingest', extra: { team?: string; services?: string[] } = {}) =>
    (await createToken(store.db, { name, role, createdBy: 'test:setup', ...extra })).token;
  const tokens = {
    admin: await mk('admin', 'admin'),
    payments: await mk('payments-member', 'member', catalog ? { team: 'payments' } : {}),
    storefront: await mk('storefront-member', 'member', catalog ? { team: 'storefront' } : {}),
    viewer: await mk('viewer', 'viewer'),
    ingest: await mk('ingest', 'ingest', catalog ? { services: ['checkout'] } : {}),
  };
  const app = await buildServer({ store, tokenCacheMs: 0, now: opts.now, ingest: opts.latenessMs ? { latenessMs: opts.latenessMs } : undefined, ...(opts.notify ? { notify: opts.notify } : {}) });
  await app.ready();
  return {
    app,
    store,
    tokens,
    call(method, url, o = {}) {
      const headers: Record<string, string> = { ...(o.headers ?? {}) };
      if (o.token) headers.authorization = `Bearer ${o.token}`;
      const inject: InjectOptions = { method: method as 'GET', url, headers };
      if (o.payload !== undefined) inject.payload = o.payload;
      else if (o.body !== undefined) {
        headers['content-type'] ??= 'application/json';
        inject.payload = JSON.stringify(o.body);
      }
      return app.inject(inject);
    },
    async close() {
      await app.close();
      await store.close();
    },
  };
}
