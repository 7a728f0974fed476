// Runs pave's benchmarks (DESIGN §13): `npm run bench [-- name...]`. Prints the machine and one table of figures,
// and writes bench/results/<timestamp>.json and bench/results/latest.json. A benchmark is not a timed test: a missed
// target is reported, not failed; only a benchmark that cannot run makes the exit code non-zero.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCleanups } from './lib/cleanup.js';
import { describeMachine, formatMachine } from './lib/machine.js';
import { round } from './lib/stats.js';
import type { BenchModule, Figure } from './lib/types.js';

/** Every benchmark, in run order. To add one: write bench/<name>.ts exporting name, target and run(), add a line here. */
const modules: (() => Promise<BenchModule>)[] = [
  () => import('./catalog-apply.js'),
  () => import('./service-get.js'),
  () => import('./serve-ready.js'),
  () => import('./ingest.js'),
  () => import('./slo-evaluation.js'),
  () => import('./engine-cycle.js'),
  () => import('./prometheus-rules.js'),
  () => import('./ui-first-chart.js'),
  () => import('./ofrep.js'),
  () => import('./alert-notify.js'),
];

/** No single benchmark may run longer than this unless it says so (limitMs): most finish well within it. */
const perBenchmarkLimitMs = 150_000;

const benchDir = dirname(fileURLToPath(import.meta.url));
const repoRoot = dirname(benchDir);
const resultsDir = join(benchDir, 'results');

interface Outcome {
  name: string;
  target: string;
  durationMs: number;
  figures: Figure[];
  notes: string[];
  error?: string;
}

function withLimit<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms / 1000} s`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

function formatValue(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  return v.toLocaleString('en-US', { maximumFractionDigits: 3 });
}

function table(outcomes: Outcome[]): string {
  const header = ['benchmark', 'figure', 'value', 'unit', 'target', 'met'];
  const rows: string[][] = [];
  for (const o of outcomes) {
    if (o.error) rows.push([o.name, `ERROR: ${o.error}`, '', '', '', '']);
    for (const f of o.figures) {
      rows.push([o.name, f.name, formatValue(f.value), f.unit, f.target ?? '', f.ok === undefined ? '' : f.ok ? 'yes' : 'NO']);
    }
  }
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === 2 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

async function main(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write('usage: npm run bench [-- name...]   (no names: every benchmark; --list: names and targets)\n');
    return 0;
  }
  const all = await Promise.all(modules.map((load) => load()));
  if (args.includes('--list')) {
    for (const m of all) process.stdout.write(`${m.name.padEnd(16)} ${m.target}\n`);
    return 0;
  }
  const unknown = args.filter((a) => !all.some((m) => m.name === a));
  if (unknown.length > 0) {
    process.stderr.write(`unknown benchmark(s): ${unknown.join(', ')}; available: ${all.map((m) => m.name).join(', ')}\n`);
    return 2;
  }
  const selected = args.length > 0 ? all.filter((m) => args.includes(m.name)) : all;

  const machine = describeMachine(repoRoot);
  const startedAt = new Date();
  process.stdout.write(`pave benchmarks: ${selected.map((m) => m.name).join(', ')}\n${formatMachine(machine)}\n\n`);

  const outcomes: Outcome[] = [];
  try {
    for (const m of selected) {
      process.stdout.write(`running ${m.name}: ${m.target}\n`);
      const t = performance.now();
      try {
        const r = await withLimit(m.run(), m.limitMs ?? perBenchmarkLimitMs, m.name);
        outcomes.push({ name: m.name, target: m.target, durationMs: round(performance.now() - t), figures: r.figures, notes: r.notes ?? [] });
      } catch (err) {
        const message = (err as Error).message ?? String(err);
        process.stderr.write(`${m.name} failed: ${(err as Error).stack ?? message}\n`);
        outcomes.push({ name: m.name, target: m.target, durationMs: round(performance.now() - t), figures: [], notes: [], error: message });
      }
      process.stdout.write(`  done in ${(round(performance.now() - t) / 1000).toFixed(1)} s\n`);
    }
  } finally {
    await runCleanups();
  }
  const finishedAt = new Date();

  process.stdout.write(`\n${table(outcomes)}\n`);
  for (const o of outcomes) {
    if (o.notes.length === 0) continue;
    process.stdout.write(`\n${o.name} (${o.target}):\n${o.notes.map((n) => `  - ${n}`).join('\n')}\n`);
  }

  const report = {
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    command: `npm run bench${args.length ? ` -- ${args.join(' ')}` : ''}`,
    machine,
    benchmarks: outcomes,
  };
  mkdirSync(resultsDir, { recursive: true });
  const stamp = startedAt.toISOString().replace(/[:.]/g, '-');
  const file = join(resultsDir, `${stamp}.json`);
  const json = `${JSON.stringify(report, null, 2)}\n`;
  writeFileSync(file, json);
  writeFileSync(join(resultsDir, 'latest.json'), json);
  const missed = outcomes.flatMap((o) => o.figures.filter((f) => f.ok === false).map((f) => `${o.name}: ${f.name}`));
  process.stdout.write(
    `\nresults: ${relative(process.cwd(), file)} (and latest.json); total ${((finishedAt.getTime() - startedAt.getTime()) / 1000).toFixed(1)} s` +
      (missed.length ? `; targets missed: ${missed.join('; ')}` : '') +
      '\n',
  );
  return outcomes.some((o) => o.error) ? 1 : 0;
}

let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    if (interrupted) return;
    interrupted = true;
    process.stderr.write(`\n${signal}: cleaning up temp folders, databases and child processes...\n`);
    void runCleanups().finally(() => process.exit(130));
  });
}

const code = await main(process.argv.slice(2));
// Pools and keep-alive agents are closed by the benchmarks; exit explicitly so nothing can keep a finished run alive.
process.stdout.write('', () => process.exit(code));
