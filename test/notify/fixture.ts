// A pave API server over a test store with a settable clock, a catalog for escalation, an HTTP receiver that records
// every request, and an SMTP server in the test process that keeps every message.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { SMTPServer } from 'smtp-server';
import { buildServer } from '../../src/api/server.js';
import { applyFiles } from '../../src/catalog/apply.js';
import type { NotifyOptions } from '../../src/notify/config.js';
import { createToken } from '../../src/store/tokens.js';
import { openTestStore, type Backend, type TestStore } from '../support/stores.js';

export interface Received {
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface Receiver {
  url: string;
  requests: Received[];
  /** The status to answer for a path (default 200). */
  status: (path: string) => number;
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const requests: Received[] = [];
  const r: Receiver = { url: '', requests, status: () => 200, close: async () => undefined };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests.push({ path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.statusCode = r.status(req.url ?? '');
      res.end();
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  r.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  r.close = () => new Promise<void>((ok) => server.close(() => ok()));
  return r;
}

export interface Mailbox {
  port: number;
  messages: { from: string; to: string[]; raw: string }[];
  close(): Promise<void>;
}

export async function startMailbox(): Promise<Mailbox> {
  const messages: Mailbox['messages'] = [];
  const server = new SMTPServer({
    disabledCommands: ['STARTTLS', 'AUTH'],
    authOptional: true,
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        messages.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((t) => t.address),
          raw: Buffer.concat(chunks).toString('utf8'),
        });
        callback();
      });
    },
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', () => ok()));
  const port = (server.server.address() as AddressInfo).port;
  return { port, messages, close: () => new Promise<void>((ok) => server.close(() => ok())) };
}

/** The text of a quoted-printable part (soft line breaks joined, =XX decoded). */
export function decodeQuotedPrintable(text: string): string {
  return text.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
}

export const webhookSecret = 'test-webhook-secret-of-alice-0123456789';
export const secretEnv = 'PAVE_TEST_ALICE_WEBHOOK_SECRET';

/** alice is always on call; she wants her webhook at once and email after 5 minutes; bob has a plain webhook. */
export function escalationCatalog(receiverUrl: string): string {
  return `
apiVersion: pave/v1
kind: Person
metadata: { name: alice }
spec:
  displayName: Alice Martin
  timezone: Europe/Paris
  contacts:
    - { type: webhook, url: "${receiverUrl}/alice", secret: { env: ${secretEnv} } }
    - { type: email, address: alice@example.com }
  notificationRules:
    - { contact: webhook }
    - { contact: email, after: 5m }
---
apiVersion: pave/v1
kind: Person
metadata: { name: bob }
spec:
  displayName: Bob
  timezone: America/New_York
  contacts: [ { type: webhook, url: "${receiverUrl}/bob" }, { type: slack, url: "${receiverUrl}/slack/T000/B000/XXXX" } ]
---
apiVersion: pave/v1
kind: Team
metadata: { name: payments }
spec: { members: [alice, bob], escalationPolicy: payments-primary }
---
apiVersion: pave/v1
kind: Schedule
metadata: { name: payments-primary }
spec:
  owner: payments
  timezone: Europe/Paris
  layers: [ { name: main, participants: [alice], length: 1w, handoff: "09:00", start: 2026-01-05 } ]
---
apiVersion: pave/v1
kind: EscalationPolicy
metadata: { name: payments-primary }
spec:
  owner: payments
  steps:
    - targets: [ { schedule: payments-primary } ]
      escalateAfter: 10m
    - targets: [ { person: bob } ]
      escalateAfter: 15m
`;
}

export interface EscalationApi {
  app: FastifyInstance;
  store: TestStore;
  admin: string;
  viewer: string;
  clock: { t: number };
  close(): Promise<void>;
}

export async function startEscalationApi(backend: Backend, catalog: string, notify: Partial<NotifyOptions>, startAt: number): Promise<EscalationApi> {
  const store = await openTestStore(backend);
  const r = await applyFiles(store.db, { files: [{ name: 'catalog.yaml', content: catalog }], prune: false, dryRun: false, principal: { actor: 'test:setup', role: 'admin' } });
  if (r.outcome !== 'applied') throw new Error(`catalog did not apply: ${JSON.stringify(r.issues)}`);
  const admin = (await createToken(store.db, { name: 'admin', role: 'admin', createdBy: 'test:setup' })).token;
  const viewer = (await createToken(store.db, { name: 'viewer', role: 'viewer', createdBy: 'test:setup' })).token;
  const clock = { t: startAt };
  const app = await buildServer({ store, tokenCacheMs: 0, now: () => new Date(clock.t), notify: { publicUrl: 'https://pave.example.com', shutdownDrainMs: 0, ...notify } });
  await app.ready();
  return {
    app,
    store,
    admin,
    viewer,
    clock,
    async close() {
      await app.close();
      await store.close();
    },
  };
}
