// pave's evaluation cycle and Prometheus' rule evaluation, side by side, on the same N SLOs and the same data
// (issue 4). N promql SLOs (default 1,000), each over its own pair of counters; DAYS of 1-minute samples written as
// OpenMetrics and turned into TSDB blocks by promtool, served by a real Prometheus that evaluates the rules
// `pave rules generate` writes for those SLOs. Prometheus' figure is prometheus_rule_group_last_duration_seconds summed
// over the rule groups (one group per SLO), read after a few evaluation rounds. pave's figure is its engine's
// evaluation step (SloMeasurements.measure + alert diff) over the same per-minute counts, held as the engine holds them.
import { spawnSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { slo, sloDefinition, type SloSpec } from '../src/config/kinds/slo.js';
import type { ConfigObject } from '../src/domain/objects.js';
import { compileSlo } from '../src/domain/slo/definition.js';
import { evaluationOf } from '../src/domain/slo/evaluate.js';
import { SloMeasurements } from '../src/domain/slo/measurements.js';
import { CompactCountSeries, planDetail } from '../src/engine/compact-series.js';
import { diffAlertStates } from '../src/engine/alert-diff.js';
import { generateRules } from '../src/rules/index.js';
import { onPath, startDaemon, type Daemon } from '../test/support/daemon.js';
import { onCleanup } from './lib/cleanup.js';
import { median, round, since } from './lib/stats.js';
import type { BenchResult, Figure } from './lib/types.js';

export const name = 'prometheus-rules';
/** Writing and loading the history, and waiting on Prometheus' real-time evaluation rounds. */
export const limitMs = 600_000;
export const target = 'issue 4: pave evaluation cycle vs Prometheus rule evaluation (sum of rule group durations), same N ≥ 1,000 SLOs and data';

const MIN = 60_000;
const N = Number(process.env.PAVE_BENCH_RULES_SLOS ?? 1_000);
const DAYS = Number(process.env.PAVE_BENCH_RULES_DAYS ?? 1);
const EVAL_SECONDS = 15;

const sloName = (i: number) => `slo-${String(i).padStart(4, '0')}`;

function sloObject(i: number): ConfigObject<SloSpec> {
  const job = `svc-${i}`;
  return {
    apiVersion: 'pave/v1',
    kind: 'SLO',
    metadata: { name: sloName(i), labels: {}, annotations: {} },
    // Through the kind's schema, so defaults are filled in as an apply would.
    spec: slo.specSchema.parse({
      service: job,
      indicator: {
        promql: {
          dataSource: 'prom',
          good: `sum(increase(http_requests_total{job="${job}",code!~"5.."}[{{window}}]))`,
          total: `sum(increase(http_requests_total{job="${job}"}[{{window}}]))`,
        },
      },
      objective: [99.9, 99.5, 99, 99.95][i % 4]!,
      window: { rolling: i % 2 ? '28d' : '30d' },
    }),
  };
}

/** Requests of SLO i in minute m: 60–160, 0.1% failing, 1% of the SLOs failing 60% in the last 20 minutes. */
function minute(i: number, m: number, minutes: number): { ok: number; failed: number } {
  const total = 60 + ((i * 7_919 + m * 104_729) % 101);
  const failed = i % 100 === 42 && m >= minutes - 20 ? Math.floor(total * 0.6) : (i + m) % 20 === 0 ? 1 : 0;
  return { ok: total - failed, failed };
}

async function writeHistory(path: string, startMs: number, minutes: number): Promise<void> {
  const out = createWriteStream(path);
  const write = (s: string) => (out.write(s) ? Promise.resolve() : new Promise<void>((r) => out.once('drain', () => r())));
  await write('# TYPE http_requests counter\n');
  for (let i = 0; i < N; i++) {
    let ok = 0;
    let failed = 0;
    let okLines = '';
    let failedLines = '';
    for (let m = 0; m <= minutes; m++) {
      if (m > 0) {
        const c = minute(i, m - 1, minutes);
        ok += c.ok;
        failed += c.failed;
      }
      const s = (startMs + m * MIN) / 1000;
      okLines += `http_requests_total{job="svc-${i}",code="200"} ${ok} ${s}\n`;
      failedLines += `http_requests_total{job="svc-${i}",code="500"} ${failed} ${s}\n`;
    }
    await write(okLines + failedLines);
  }
  await write('# EOF\n');
  await new Promise<void>((r) => out.end(() => r()));
}

interface RuleMetrics {
  /** Σ prometheus_rule_group_last_duration_seconds. */
  seconds: number;
  groups: number;
  samples: number;
  /** Σ prometheus_rule_group_iterations_total and _missed_total. */
  iterations: number;
  missed: number;
  /** process_cpu_seconds_total of the Prometheus process. */
  cpu: number;
}

async function ruleMetrics(url: string): Promise<RuleMetrics> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const m: RuleMetrics = { seconds: 0, groups: 0, samples: 0, iterations: 0, missed: 0, cpu: 0 };
  for (const line of text.split('\n')) {
    const value = Number(line.split(' ').pop());
    if (line.startsWith('prometheus_rule_group_last_duration_seconds{')) {
      m.seconds += value;
      m.groups++;
    } else if (line.startsWith('prometheus_rule_group_last_evaluation_samples{')) m.samples += value;
    else if (line.startsWith('prometheus_rule_group_iterations_total{')) m.iterations += value;
    else if (line.startsWith('prometheus_rule_group_iterations_missed_total{')) m.missed += value;
    else if (line.startsWith('process_cpu_seconds_total ')) m.cpu = value;
  }
  return m;
}

export async function run(): Promise<BenchResult> {
  if (!onPath('prometheus') || !onPath('promtool')) throw new Error('prometheus and promtool are needed (Debian package prometheus)');
  const dir = mkdtempSync(join(tmpdir(), 'pave-bench-rules-'));
  let daemon: Daemon | undefined;
  const cleanup = onCleanup(async () => {
    await daemon?.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  try {
    const minutes = DAYS * 1_440;
    // History ending now (to the minute), so Prometheus' rule evaluation, which runs in real time, reads it.
    const endMs = Math.floor(Date.now() / MIN) * MIN;
    const startMs = endMs - minutes * MIN;
    const tWrite = performance.now();
    await writeHistory(join(dir, 'history.om'), startMs, minutes);
    const writeMs = since(tWrite);
    const tBlocks = performance.now();
    const blocks = spawnSync('promtool', ['tsdb', 'create-blocks-from', 'openmetrics', '--quiet', join(dir, 'history.om'), join(dir, 'data')], { encoding: 'utf8' });
    if (blocks.status !== 0) throw new Error(`promtool: ${blocks.stderr}`);
    const blocksMs = since(tBlocks);
    rmSync(join(dir, 'history.om'));

    const objects = Array.from({ length: N }, (_, i) => sloObject(i));
    const generated = generateRules(objects, { paveUrl: 'http://127.0.0.1:8080' });
    const ruleFiles = generated.files.filter((f) => f.name.endsWith('.rules.yml'));
    let rules = 0;
    for (const f of ruleFiles) {
      writeFileSync(join(dir, f.name), f.content);
      rules += (parse(f.content) as { groups: { rules: unknown[] }[] }).groups.reduce((n, g) => n + g.rules.length, 0);
    }
    writeFileSync(join(dir, 'prometheus.yml'), `global:\n  evaluation_interval: ${EVAL_SECONDS}s\nrule_files:\n  - ${JSON.stringify(join(dir, '*.rules.yml'))}\n`);
    const prometheus = await startDaemon(
      'prometheus',
      (port) => [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--storage.tsdb.retention.time=20y'],
      { readyWithinMs: 60_000 },
    );
    daemon = prometheus;
    const url = prometheus.url;
    // Three evaluation rounds: every group has a last duration, and the caches are warm.
    await new Promise((r) => setTimeout(r, 3 * EVAL_SECONDS * 1000 + 2_000));
    const rounds: RuleMetrics[] = [];
    for (let k = 0; k < 4; k++) {
      if (k > 0) await new Promise((r) => setTimeout(r, EVAL_SECONDS * 1000));
      rounds.push(await ruleMetrics(url));
    }
    const firstRound = rounds[0]!;
    const lastRound = rounds.at(-1)!;
    // CPU per evaluation of every group once: the process's CPU over the period / the group evaluations completed.
    const evaluations = (lastRound.iterations - lastRound.missed - (firstRound.iterations - firstRound.missed)) / Math.max(1, lastRound.groups);
    const cpuPerRoundMs = evaluations > 0 ? ((lastRound.cpu - firstRound.cpu) * 1000) / evaluations : Number.NaN;

    // pave: the same SLOs over the same per-minute counts, as the engine holds and evaluates them.
    const nowMs = endMs + 1_000;
    const held = objects.map((o, i) => {
      const c = compileSlo(sloDefinition(o));
      if (!c.ok) throw new Error(c.errors.join('; '));
      const series = new CompactCountSeries({ startMs: endMs - 34 * 1_440 * MIN, capacityMinutes: 34 * 1_440 + 120, recentHours: 8, slices: [] });
      // Keep minute detail where the evaluation's windows start (the engine plans this once an hour).
      series.retainDetail(planDetail(c.slo, nowMs, { excluded: [], lookaheadMinutes: 60 }));
      for (let m = 0; m < minutes; m++) {
        const x = minute(i, m, minutes);
        series.put(startMs + m * MIN, x.ok, x.ok + x.failed);
      }
      series.advanceTo(endMs + MIN);
      return { compiled: c.slo, series, m: new SloMeasurements(c.slo), known: new Uint8Array(c.slo.tiers.length + 1) };
    });
    const changed: number[] = [];
    const paveMs: number[] = [];
    for (let k = 0; k < 8; k++) {
      const t = performance.now();
      for (const s of held) {
        s.m.measure(s.series, nowMs, []);
        changed.length = 0;
        diffAlertStates(s.m, s.known, changed);
        if (changed.length) evaluationOf(s.m);
      }
      if (k >= 3) paveMs.push(since(t));
    }
    const firing = held.reduce((n, s) => n + s.known.reduce((a, b) => a + b, 0), 0);

    const promMs = median(rounds.slice(1).map((r) => r.seconds * 1000));
    const ours = median(paveMs);
    const figures: Figure[] = [
      { name: `Prometheus rule evaluation, ${N.toLocaleString('en-US')} SLOs (Σ group durations, median of 3 reads)`, value: round(promMs), unit: 'ms' },
      { name: 'Prometheus CPU per evaluation of every group (process CPU / rounds completed)', value: round(cpuPerRoundMs), unit: 'ms' },
      { name: 'Prometheus group evaluations missed while measured', value: lastRound.missed - firstRound.missed, unit: 'evaluations' },
      { name: `pave evaluation cycle, same SLOs and data (median of 5)`, value: round(ours), unit: 'ms' },
      { name: 'ratio Prometheus / pave (Σ group durations)', value: round(promMs / ours), unit: '×' },
      { name: 'ratio Prometheus / pave (CPU)', value: round(cpuPerRoundMs / ours), unit: '×' },
      { name: 'Prometheus rules loaded', value: rules, unit: 'rules' },
      { name: 'Prometheus samples written per evaluation round', value: rounds.at(-1)?.samples ?? 0, unit: 'samples' },
    ];
    const notes = [
      `${N.toLocaleString('en-US')} promql SLOs (99–99.95%, rolling 28d/30d, default tiers), each over its own two counters; ${DAYS} day(s) of 1-minute samples (${((2 * N * minutes) / 1e6).toFixed(1)} M samples) written as OpenMetrics (${round(writeMs / 1000)} s) and turned into blocks by promtool (${round(blocksMs / 1000)} s); 1% of the SLOs fail 60% of requests in the last 20 minutes (their page tiers fire).`,
      `Prometheus ${spawnSync('prometheus', ['--version'], { encoding: 'utf8' }).stdout.split('\n')[0]?.replace('prometheus, ', '')} on 127.0.0.1, evaluation_interval ${EVAL_SECONDS}s, the rules of \`pave rules generate\` (${ruleFiles.length} files): its first figure is prometheus_rule_group_last_duration_seconds summed over the ${lastRound.groups} groups, as the issue asks; the groups run concurrently, each duration is wall time while the others compete for the 2 cores, so that sum overstates the work when many groups run at once. The CPU figure is the Prometheus process's CPU time over ${3 * EVAL_SECONDS} s divided by the rounds of every group it completed (${round(evaluations)}); ${lastRound.missed - firstRound.missed} group evaluations were missed (Prometheus could not keep up with the ${EVAL_SECONDS} s interval).`,
      `pave: SloMeasurements.measure + diffAlertStates for every SLO over the same per-minute counts in CompactCountSeries (what SloEngine.cycle does once data is held; pulling new minutes from Prometheus each cycle is extra and not included). ${firing} alerts firing at the end.`,
      `With ${DAYS} day(s) of data the 3-day and 30-day windows hold less than they would in production: Prometheus' cost grows with the samples in its windows (about 30× for a full 30 days), pave's does not (window sums are two lookups).`,
    ];
    return { figures, notes };
  } finally {
    await cleanup();
  }
}
