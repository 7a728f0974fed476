// A real Prometheus for tests: history written as OpenMetrics, turned into TSDB blocks with
// `promtool tsdb create-blocks-from openmetrics`, served by `prometheus` on 127.0.0.1. Where the binaries are missing
// the suites that need them are reported as skipped (and in CI, where nothing may be skipped, they fail).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onPath, startDaemon } from './daemon.js';

export const prometheusAvailable = onPath('prometheus') && onPath('promtool');

if (process.env.CI && !prometheusAvailable) throw new Error('CI is set but prometheus/promtool are not installed: the Prometheus suites would be skipped');

/** One counter sample: metric name (with _total), labels, time in ms, value. */
export interface CounterSample {
  name: string;
  labels: Record<string, string>;
  ms: number;
  value: number;
}

/** OpenMetrics text for counter samples (families declared once, samples in time order per series). */
export function openMetrics(samples: readonly CounterSample[]): string {
  const byFamily = new Map<string, CounterSample[]>();
  for (const s of samples) {
    const family = s.name.replace(/_total$/, '');
    byFamily.set(family, [...(byFamily.get(family) ?? []), s]);
  }
  let out = '';
  for (const [family, list] of byFamily) {
    out += `# TYPE ${family} counter\n`;
    for (const s of [...list].sort((a, b) => a.ms - b.ms)) {
      const labels = Object.entries(s.labels)
        .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
        .join(',');
      out += `${s.name}{${labels}} ${s.value} ${s.ms / 1000}\n`;
    }
  }
  return `${out}# EOF\n`;
}

export interface RunningPrometheus {
  url: string;
  dir: string;
  stop(): Promise<void>;
}

/**
 * Starts Prometheus on 127.0.0.1 over blocks built from `history`, with `ruleFiles` (paths) loaded and evaluated every
 * `evaluationInterval`. Resolves once /-/ready answers.
 */
export async function startPrometheus(history: string, options: { ruleFiles?: string[]; evaluationInterval?: string } = {}): Promise<RunningPrometheus> {
  const dir = mkdtempSync(join(tmpdir(), 'pave-prom-'));
  const data = join(dir, 'data');
  writeFileSync(join(dir, 'history.om'), history);
  const blocks = spawnSync('promtool', ['tsdb', 'create-blocks-from', 'openmetrics', '--quiet', join(dir, 'history.om'), data], { encoding: 'utf8' });
  if (blocks.status !== 0) throw new Error(`promtool create-blocks-from openmetrics failed: ${blocks.stderr}`);
  const config = [
    'global:',
    `  evaluation_interval: ${options.evaluationInterval ?? '1m'}`,
    'rule_files:',
    ...(options.ruleFiles ?? []).map((f) => `  - ${JSON.stringify(f)}`),
  ].join('\n');
  writeFileSync(join(dir, 'prometheus.yml'), `${config}\n`);
  try {
    const d = await startDaemon(
      'prometheus',
      (port) => [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${data}`, `--web.listen-address=127.0.0.1:${port}`, '--storage.tsdb.retention.time=20y', '--web.enable-admin-api'],
      { logChars: 4_000 },
    );
    return { url: d.url, dir, stop: async () => {
        await d.stop();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}
