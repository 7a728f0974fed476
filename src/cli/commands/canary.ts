// pave canary judge --file config.yaml: the canary judge (POST /api/v1/canary/judge) on a YAML or JSON request; prints
// each metric's verdict with its statistics. Exit 0 on pass, 1 on marginal or fail (so CI stops), 2 when pave cannot
// be reached or the file is not valid.
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { parse } from 'yaml';
import type { CanaryVerdict, MetricVerdict } from '../../domain/canary/judge.js';
import { connect, expectOk, type GlobalOptions } from '../connection.js';
import { CliError, exitCodes, printJson, println, table } from '../output.js';

const num = (v: number | null | undefined) => (v === null || v === undefined ? '' : String(Number(v.toPrecision(4))));

function metricRow(m: MetricVerdict): Record<string, string> {
  const n = 'n' in m.canary ? `${m.canary.n}/${'n' in m.baseline ? m.baseline.n : ''}` : `${m.canary.bad}/${m.canary.total} vs ${'bad' in m.baseline ? `${m.baseline.bad}/${m.baseline.total}` : ''}`;
  return {
    metric: m.name,
    group: m.group,
    verdict: m.classification + (m.critical ? ' (critical)' : ''),
    shift: num(m.test?.estimate),
    interval: m.test ? `${num(m.test.interval[0])} … ${num(m.test.interval[1])}` : '',
    p: m.test ? m.test.pValue.toPrecision(3) : '',
    ratio: num(m.effectSize.ratio),
    n,
  };
}

export function registerCanaryCommands(program: Command, globals: () => GlobalOptions): void {
  const canary = program.command('canary').description('the canary judge: canary against baseline, per metric, scored');
  canary
    .command('judge')
    .description('judge a canary from a request file (docs/canary.md): exit 0 pass, 1 marginal or fail')
    .requiredOption('-f, --file <path>', 'YAML or JSON: metrics (with samples, counts, store or prometheus sources), groupWeights, thresholds')
    .option('--allow-marginal', 'exit 0 on a marginal verdict too')
    .action(async (cmd: { file: string; allowMarginal?: boolean }) => {
      const o = globals();
      let body: unknown;
      try {
        body = parse(readFileSync(cmd.file, 'utf8'));
      } catch (err) {
        throw new CliError(`${cmd.file}: ${(err as Error).message}`, exitCodes.usage);
      }
      const client = await connect(o);
      let v: CanaryVerdict;
      try {
        const res = await client.request<CanaryVerdict>('POST', '/api/v1/canary/judge', body);
        // A request the judge refuses is a broken file, not a failed canary: usage, not rejected.
        if (res.status === 400) {
          try {
            expectOk(res);
          } catch (err) {
            throw new CliError(`${cmd.file}: ${(err as Error).message}`, exitCodes.usage, res.body);
          }
        }
        v = expectOk(res);
      } finally {
        await client.close();
      }
      if (o.json) printJson(v);
      else {
        println(table(v.metrics.map(metricRow)));
        println();
        for (const m of v.metrics) println(`${m.name}: ${m.reason}`);
        println();
        println(`canary ${v.result.toUpperCase()}: score ${v.score} (${v.reason})`);
      }
      const ok = v.result === 'pass' || (v.result === 'marginal' && cmd.allowMarginal === true);
      if (!ok) throw new CliError('', exitCodes.rejected);
    });
}
