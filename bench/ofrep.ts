// OFREP flag evaluation against `pave serve` in its own process: single-flag evaluation under open-loop load at
// 1,000 requests/s, bulk evaluation of all 100 flags, and the bulk poll answered 304 by its ETag.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyFiles } from '../src/catalog/apply.js';
import { openStore } from '../src/store/store.js';
import { createToken } from '../src/store/tokens.js';
import { onCleanup } from './lib/cleanup.js';
import { openLoop, type OpenLoopResult } from './lib/loadgen.js';
import { startServe } from './lib/serve.js';
import { max, percentile, rng, round, since } from './lib/stats.js';
import { atLeast, atMost, type BenchResult, type Figure } from './lib/types.js';

export const name = 'ofrep';
export const target = 'OFREP: single-flag evaluation p99 at 1,000 requests/s (open loop), bulk evaluation of 100 flags';
export const limitMs = 240_000;

const flagCount = 100;
const singleRate = 1000;
const bulkRate = 100;
const warmupMs = 2000;
const singleMs = 15_000;
const bulkMs = 10_000;

/** 100 flags of every shape: boolean rollouts behind a targeting rule, string splits, number and object targeting. */
export function flagDocuments(count = flagCount): string {
  const docs: string[] = [
    'apiVersion: pave/v1\nkind: Team\nmetadata: { name: bench }\nspec: {}',
    'apiVersion: pave/v1\nkind: Service\nmetadata: { name: bench-app }\nspec: { owner: bench }',
  ];
  for (let i = 0; i < count; i++) {
    const head = `apiVersion: pave/v1\nkind: Flag\nmetadata: { name: flag-${i} }\nspec:\n  owner: bench\n  services: [bench-app]\n`;
    switch (i % 4) {
      case 0:
        docs.push(
          head +
            '  rules:\n    - name: staff\n      when: [ { attribute: email, operator: ends_with, values: ["@example.com"] } ]\n      variant: on\n' +
            '    - name: old-apps\n      when: [ { attribute: appVersion, operator: semver_lt, value: 2.0.0 } ]\n      variant: off\n' +
            `  rollout: { percentage: ${(i * 7) % 101} }\n`,
        );
        break;
      case 1:
        docs.push(
          head +
            '  variants: { blue: "#0000ff", green: "#00ff00", red: "#ff0000" }\n  defaultVariant: blue\n' +
            '  rules:\n    - when: [ { attribute: country, operator: in, values: [FR, DE, NL, BE] } ]\n      percentage: 50\n' +
            '      split: [ { variant: blue, weight: 334 }, { variant: green, weight: 333 }, { variant: red, weight: 333 } ]\n',
        );
        break;
      case 2:
        docs.push(head + '  variants: { small: 10, large: 50 }\n  defaultVariant: small\n  rules: [ { when: [ { attribute: plan, operator: in, values: [pro, enterprise] } ], variant: large } ]\n');
        break;
      default:
        docs.push(
          head +
            '  variants: { standard: { perMinute: 60, burst: 10 }, strict: { perMinute: 5, burst: 1 } }\n  defaultVariant: standard\n' +
            '  rules: [ { when: [ { attribute: riskScore, operator: gte, value: 80 } ], variant: strict } ]\n',
        );
    }
  }
  return docs.join('\n---\n');
}

function contextOf(r: () => number, i: number): Record<string, unknown> {
  return {
    targetingKey: `user-${Math.floor(r() * 1_000_000)}`,
    email: i % 10 === 0 ? `dev${i}@example.com` : `user${i}@mail.test`,
    appVersion: `${1 + Math.floor(r() * 3)}.${Math.floor(r() * 10)}.0`,
    country: ['FR', 'US', 'DE', 'JP'][Math.floor(r() * 4)],
    plan: ['free', 'pro', 'enterprise'][Math.floor(r() * 3)],
    riskScore: Math.floor(r() * 100),
  };
}

function latencyFigures(prefix: string, res: OpenLoopResult, rate: number, p99Limit?: number): Figure[] {
  const l = res.latencies;
  const p99 = round(percentile(l, 99));
  return [
    { name: `${prefix} p50`, value: round(percentile(l, 50)), unit: 'ms' },
    p99Limit === undefined ? { name: `${prefix} p99`, value: p99, unit: 'ms' } : atMost(`${prefix} p99`, p99, 'ms', p99Limit),
    { name: `${prefix} max`, value: round(max(l)), unit: 'ms' },
    atLeast(`${prefix} achieved rate`, round(res.achievedRate), 'req/s', rate * 0.98, `≈ ${rate} req/s`),
    atMost(`${prefix} errors`, res.errors, 'requests', 0, '0'),
  ];
}

export async function run(): Promise<BenchResult> {
  const prepStart = performance.now();
  const root = mkdtempSync(join(tmpdir(), 'pave-bench-ofrep-'));
  onCleanup(() => rmSync(root, { recursive: true, force: true }));
  const dataDir = join(root, 'data');
  let token: string;
  const store = await openStore({ dataDir });
  try {
    const applied = await applyFiles(store.db, { files: [{ name: 'flags.yaml', content: flagDocuments() }], prune: false, dryRun: false, principal: { actor: 'bench:ofrep', role: 'admin' } });
    if (applied.outcome !== 'applied') throw new Error(`flags did not apply: ${JSON.stringify(applied.issues.slice(0, 3))}`);
    token = (await createToken(store.db, { name: 'bench-app', role: 'viewer', createdBy: 'bench' })).token;
  } finally {
    await store.close();
  }
  const prepareMs = since(prepStart);

  const server = await startServe(dataDir, 'node');
  let stopped: Awaited<ReturnType<typeof server.stop>> | undefined;
  try {
    const headers = { authorization: `Bearer ${token}`, accept: 'application/json' };
    const r = rng(11);
    const bodies = Array.from({ length: 4096 }, (_, i) => JSON.stringify({ context: contextOf(r, i) }));
    const single = await openLoop({
      url: server.url,
      method: 'POST',
      path: (i) => `/ofrep/v1/evaluate/flags/flag-${i % flagCount}`,
      body: (i) => bodies[i % bodies.length]!,
      headers,
      rate: singleRate,
      warmupMs,
      durationMs: singleMs,
      timeoutMs: 5000,
    });
    const bulk = await openLoop({
      url: server.url,
      method: 'POST',
      path: () => '/ofrep/v1/evaluate/flags',
      body: (i) => bodies[i % bodies.length]!,
      headers,
      rate: bulkRate,
      warmupMs,
      durationMs: bulkMs,
      timeoutMs: 5000,
    });
    // A poller sending back the ETag it got: answered 304 while nothing changed.
    const first = await fetch(`${server.url}/ofrep/v1/evaluate/flags`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: bodies[0] });
    const etag = first.headers.get('etag') ?? '';
    const bulkBytes = (await first.text()).length;
    const polls = await openLoop({
      url: server.url,
      method: 'POST',
      path: () => '/ofrep/v1/evaluate/flags',
      body: () => bodies[0]!,
      headers: { ...headers, 'if-none-match': etag },
      rate: bulkRate,
      warmupMs,
      durationMs: bulkMs,
      timeoutMs: 5000,
      expectStatus: 304,
    });
    stopped = await server.stop();
    const errors = (res: OpenLoopResult) => Object.entries(res.errorKinds).map(([k, v]) => `${k}: ${v}`).join(', ');
    return {
      figures: [
        ...latencyFigures('single', single, singleRate),
        { name: 'single p99 from actual send', value: round(percentile(single.serviceTimes, 99)), unit: 'ms' },
        ...latencyFigures('bulk (100 flags)', bulk, bulkRate),
        { name: 'bulk response size', value: bulkBytes, unit: 'bytes' },
        ...latencyFigures('bulk 304 (If-None-Match)', polls, bulkRate),
      ],
      notes: [
        `server: \`node --import tsx src/cli/main.ts serve --port 0 --log-level silent\` as a child process on a PGlite data ` +
          `folder with ${flagCount} flags (a quarter each: boolean rollout behind two targeting rules, string split behind a ` +
          `rule and 50%, number targeting, object targeting; prepared in ${round(prepareMs)} ms); viewer bearer token`,
        `single: POST /ofrep/v1/evaluate/flags/flag-{i mod 100}, open loop ${singleRate} req/s for ${singleMs / 1000} s after ` +
          `${warmupMs / 1000} s warm-up (${single.scheduled} measured, ${single.completed} answered 200), a random context of six ` +
          `attributes per request; latency from each request's scheduled send time`,
        `bulk: POST /ofrep/v1/evaluate/flags (all ${flagCount} flags), ${bulkRate} req/s for ${bulkMs / 1000} s (${bulk.completed} ` +
          `answered 200); 304: the same with If-None-Match set to the ETag of a previous answer (${polls.completed} answered 304)`,
        ...[single, bulk, polls].filter((x) => x.errors).map((x) => `errors: ${errors(x)}`),
        `server stopped with SIGTERM in ${round(stopped.stopMs)} ms${stopped.killed ? ' (had to SIGKILL)' : ''}`,
      ],
    };
  } finally {
    if (!stopped) await server.stop();
  }
}
