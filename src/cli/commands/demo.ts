// pave demo: a server on the example catalog with simulated traffic that injects an outage, and a local notification
// sink standing in for the on-call person's pager, so a newcomer watches a burn alert page someone, escalate, and
// stop when acknowledged from the CLI.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { Presets, SingleBar } from 'cli-progress';
import type { Kysely } from 'kysely';
import { applyFiles } from '../../catalog/apply.js';
import { formatIssue } from '../../config/validate.js';
import type { AlertChange } from '../../engine/slo-engine.js';
import type { SourceFile } from '../../config/source.js';
import type { Database } from '../../store/schema.js';
import { createToken, listTokens, revokeToken } from '../../store/tokens.js';
import { Ingestor } from '../../telemetry/ingest.js';
import { backfillBatches, seriesNames, startSimulator, type Scenario } from '../../telemetry/simulator.js';
import { packageRoot } from '../../package-root.js';
import type { GlobalOptions } from '../connection.js';
import { readSourceFiles } from '../files.js';
import { startDemoStory } from '../demo-story.js';
import { startNotificationSink, type NotificationSink } from '../notification-sink.js';
import { CliError, exitCodes, println } from '../output.js';
import { serveOptions, startServer, type RunningServer } from './serve.js';

/** Where the example people's `pager` contacts send (examples/people.yaml). */
export const exampleSinkOrigin = 'http://127.0.0.1:8089';

/** The demo's story: checkout fails outright, then turns slow. Minutes count from when live traffic starts. */
export function demoScenarios(outageAtMinute: number): Scenario[] {
  return [
    { kind: 'outage', service: 'checkout', startMinute: outageAtMinute, minutes: 4 },
    { kind: 'latency', service: 'checkout', startMinute: outageAtMinute + 10, minutes: 20, slowShare: 0.3 },
  ];
}

/**
 * The example files with the pager contacts pointed at the sink actually listening (when `--sink-port` is not 8089).
 * A plain text substitution of one origin: line and column numbers of every other field stay as they are.
 */
export function pointContactsAt(files: SourceFile[], origin: string): SourceFile[] {
  if (origin === exampleSinkOrigin) return files;
  return files.map((f) => ({ ...f, content: f.content.split(`${exampleSinkOrigin}/`).join(`${origin}/`) }));
}

function printTransitions(changes: AlertChange[]): void {
  for (const c of changes) {
    const d = c.details as { longRatio?: number | null; threshold?: number; dataMinutes?: number; afterMinutes?: number };
    const what = c.kind === 'burn' ? `${c.severity} ${c.alertId.split(':').at(-1)}` : 'no data';
    const why =
      c.kind === 'burn' && d.threshold !== undefined
        ? ` (long-window error ratio ${d.longRatio === null || d.longRatio === undefined ? '-' : d.longRatio.toFixed(5)} vs k·B ${d.threshold})`
        : c.kind === 'no_data'
          ? ` (${d.dataMinutes ?? 0} minutes with data in the last ${d.afterMinutes ?? '?'})`
          : '';
    println(`${c.at.toISOString()}  ALERT ${c.state.toUpperCase().padEnd(8)} ${c.slo}  ${what}${why}`);
  }
}

/**
 * Backfills the simulated history the data folder lacks (up to 3 days), then starts the SLO engine and live traffic.
 * History is ingested with a lateness wide enough for it; live traffic goes through the normal ingest path.
 */
async function startTraffic(db: Kysely<Database>, server: RunningServer, seed: string, scenarios: Scenario[], origin: number): Promise<{ stop(): Promise<void> }> {
  const principal = { actor: 'pave:simulator', role: 'admin' as const };
  const seedNumber = Number(seed) || 42;
  const end = Math.floor(Date.now() / 60_000) * 60_000;
  const last = await db
    .selectFrom('sli_minutes')
    .innerJoin('sli_series', 'sli_series.id', 'sli_minutes.series_id')
    .select((eb) => eb.fn.max('sli_minutes.minute').as('last'))
    .where('sli_series.name', 'in', Object.values(seriesNames))
    .executeTakeFirst();
  const lastMs = last?.last ? new Date(last.last as Date).getTime() + 60_000 : undefined;
  const start = Math.max(end - 3 * 1440 * 60_000, lastMs ?? 0);
  if (start < end) {
    const history = new Ingestor(db, { latenessMs: 4 * 1440 * 60_000, futureMs: 5 * 60_000, catalogTtlMs: 60_000 });
    const bar = new SingleBar({ format: 'backfilling simulated history {bar} {percentage}% | {value}/{total} min', hideCursor: true, clearOnComplete: true }, Presets.shades_classic);
    if (process.stdout.isTTY) bar.start((end - start) / 60_000, 0);
    for (const batch of backfillBatches({ seed: seedNumber, start, end })) {
      const r = await history.ingest(batch.items, { principal, idempotencyKey: batch.idempotencyKey, now: new Date(end) });
      if (r.status !== 'committed' && r.status !== 'duplicate') throw new CliError(`simulated history was refused: ${JSON.stringify(r).slice(0, 500)}`, exitCodes.usage);
      if (process.stdout.isTTY) bar.update((batch.to - start) / 60_000);
    }
    if (process.stdout.isTTY) bar.stop();
    println(`simulated history: ${Math.round((end - start) / 60_000)} minutes backfilled`);
  }
  server.app.sloEngine.start();
  const live = new Ingestor(db);
  return startSimulator({
    seed: seedNumber,
    scenarios,
    origin,
    from: end,
    now: () => new Date(),
    send: async (items, batch) => {
      const r = await live.ingest(items, { principal, idempotencyKey: batch.idempotencyKey, now: new Date() });
      if (r.status === 'invalid' || r.status === 'forbidden') throw new Error(`simulated traffic refused: ${JSON.stringify(r.errors.slice(0, 3))}`);
    },
    onError: (err) => process.stderr.write(`traffic simulator: ${(err as Error).message}\n`),
  });
}

export function examplesDir(): string {
  return join(packageRoot(), 'examples');
}

export function registerDemoCommand(program: Command, globals: () => GlobalOptions): void {
  program
    .command('demo')
    .description('run pave on the example catalog with simulated traffic, an outage, and a local pager that prints notifications')
    .option('--host <host>', 'address to listen on', process.env.PAVE_HOST ?? '127.0.0.1')
    .option('--port <port>', 'port to listen on', process.env.PORT ?? '8080')
    .option('--examples <dir>', 'catalog to load', examplesDir())
    .option('--log-level <level>', 'log level', process.env.PAVE_LOG_LEVEL ?? 'warn')
    .option('--no-traffic', 'do not simulate traffic')
    .option('--seed <n>', 'seed of the simulated traffic', '42')
    .option('--outage-in <minutes>', 'minutes from the start until checkout fails', '5')
    .option('--sink-port <port>', 'port of the local pager the example contacts notify (0: any free port)', '8089')
    .action(async (cmd: { host: string; port: string; examples: string; logLevel: string; traffic: boolean; seed: string; outageIn: string; sinkPort: string }) => {
      const o = globals();
      if (!existsSync(cmd.examples)) throw new CliError(`examples folder ${cmd.examples} not found`, exitCodes.usage);
      const outageIn = Number(cmd.outageIn);
      if (!Number.isInteger(outageIn) || outageIn < 0 || outageIn > 1440) throw new CliError(`--outage-in must be a whole number of minutes 0-1440, not ${cmd.outageIn}`, exitCodes.usage);
      const sinkPort = Number(cmd.sinkPort);
      if (!Number.isInteger(sinkPort) || sinkPort < 0 || sinkPort > 65535) throw new CliError(`--sink-port must be 0-65535, not ${cmd.sinkPort}`, exitCodes.usage);
      const options = serveOptions(cmd, o);
      // The demo evaluates every 10 s so that the outage shows up quickly.
      if (!process.env.PAVE_EVALUATION_INTERVAL) options.evaluationIntervalMs = 10_000;
      let sink: NotificationSink;
      try {
        sink = await startNotificationSink({ host: '127.0.0.1', port: sinkPort, print: println });
      } catch (err) {
        throw new CliError(`cannot start the demo's pager on 127.0.0.1:${sinkPort}: ${(err as Error).message} (choose another with --sink-port)`, exitCodes.usage);
      }
      let server: RunningServer;
      try {
        server = await startServer({ ...options, bootstrap: false, startEngine: false, onTransitions: printTransitions });
      } catch (err) {
        await sink.close();
        throw err;
      }
      server.onStop(() => sink.close());
      const db = server.store.db;
      const result = await applyFiles(db, {
        files: pointContactsAt(readSourceFiles([cmd.examples]), sink.origin),
        prune: false,
        dryRun: false,
        principal: { actor: 'pave:demo', role: 'admin' },
      });
      if (result.outcome !== 'applied') {
        await server.stop();
        throw new CliError(`the example catalog did not apply:\n${result.issues.map(formatIssue).join('\n')}`, exitCodes.rejected);
      }
      // The demo prints a usable admin token on every start: it replaces the previous demo token.
      for (const t of await listTokens(db)) if (t.name === 'demo' && t.createdBy === 'pave:demo') await revokeToken(db, t.id, new Date(), { actor: 'pave:demo' });
      const { token } = await createToken(db, { name: 'demo', role: 'admin', createdBy: 'pave:demo' });
      const s = result.plan.summary;
      println(`example catalog applied from ${cmd.examples}: ${s.create} created, ${s.update} updated, ${s.unchanged} unchanged`);
      const scenarios = demoScenarios(outageIn);
      if (cmd.traffic) {
        // Scenario minute 0 is the minute live traffic starts in; the story acts at the outage's minutes.
        const origin = Math.floor(Date.now() / 60_000) * 60_000;
        const simulator = await startTraffic(db, server, cmd.seed, scenarios, origin);
        server.onStop(() => simulator.stop());
        const outage = scenarios[0]!;
        const story = startDemoStory({
          app: server.app,
          token,
          service: outage.service,
          schedule: 'payments-primary',
          outageStartMs: origin + outage.startMinute * 60_000,
          outageEndMs: origin + (outage.startMinute + outage.minutes) * 60_000,
          print: println,
        });
        server.onStop(async () => story.stop());
      } else {
        server.app.sloEngine.start();
      }
      println('');
      println(`  open      ${server.url}/ (the web UI: sign in with the token below)    API: ${server.url}/api/docs`);
      println(`  token     ${token}`);
      println(`  pager     ${sink.origin}/notify/<person> (notifications are printed below)`);
      println(`  try       export PAVE_URL=${server.url} PAVE_TOKEN=${token}`);
      println('            npx pave slo list            # SLOs, budgets, burn rates');
      println('            npx pave slo explain checkout-availability');
      println('            npx pave oncall              # who is on call now');
      println('            npx pave page list           # open pages; npx pave page ack ID acknowledges');
      println('');
      if (cmd.traffic) {
        const [outage, slow] = scenarios as [Scenario, Scenario];
        println(`Traffic is flowing. In ${outage.startMinute} minutes ${outage.service} fails for ${outage.minutes} minutes: its burn-rate alert`);
        println('pages the payments on-call person through the pager below, and the whole team 2 minutes later unless someone');
        println('acknowledges. The demo then plays the responders: the page becomes an incident, checkout\'s deploys are frozen by');
        println('its budget policy, and once resolved the incident gets a postmortem draft prefilled from the SLO data.');
        println(`${slow.minutes} minutes of slow ${slow.service} requests follow at minute ${slow.startMinute}.`);
      }
      println('Ctrl-C stops the demo; the data stays in the data folder.');
    });
}
