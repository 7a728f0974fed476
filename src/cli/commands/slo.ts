// pave slo list | status | history | explain
import type { Command } from 'commander';
import { connect, expectOk, type GlobalOptions } from '../connection.js';
import { stringify } from 'yaml';
import { CliError, exitCodes, printJson, println, table } from '../output.js';

interface Summary {
  status: string;
  sli?: number | null;
  remainingFraction?: number;
  burnRate1h?: number | null;
  timeToExhaustionMinutes?: number | null;
  firing?: string[];
}

interface SloItem {
  metadata: { name: string };
  spec: { service: string; objective: number; window: { rolling?: string; calendar?: string; timezone?: string }; budgeting: string };
  summary?: Summary;
  evaluation?: any;
  dependencyCeiling?: { ceilingPercent: string; exceeds: boolean; dependencies: { name: string; objective: number }[] } | null;
}

const pct = (v: number | null | undefined, digits = 4) => (v === null || v === undefined ? '-' : `${(v * 100).toFixed(digits)}%`);
const num = (v: number | null | undefined, digits = 2) => (v === null || v === undefined ? '-' : Number(v.toFixed(digits)).toString());
const windowText = (w: SloItem['spec']['window']) => (w.rolling ? `rolling ${w.rolling}` : `${w.calendar} (${w.timezone})`);

export function formatMinutes(m: number | null | undefined): string {
  if (m === null || m === undefined) return 'not burning';
  if (m <= 0) return 'exhausted';
  if (m < 60) return `${Math.round(m)} min`;
  if (m < 2880) return `${(m / 60).toFixed(1)} h`;
  return `${(m / 1440).toFixed(1)} d`;
}

function listRows(items: SloItem[]) {
  return items.map((i) => ({
    name: i.metadata.name,
    service: i.spec.service,
    objective: `${i.spec.objective}%`,
    window: windowText(i.spec.window),
    status: i.summary?.status ?? '',
    sli: pct(i.summary?.sli),
    budgetLeft: pct(i.summary?.remainingFraction, 1),
    burn1h: num(i.summary?.burnRate1h),
    firing: (i.summary?.firing ?? []).map((f) => f.split(':').slice(1).join(':')).join(' '),
  }));
}

/** The arithmetic behind an SLO's status, line by line, so a reader can check it by hand. */
export function explain(item: SloItem): string {
  const e = item.evaluation;
  const s = item.spec;
  const lines: string[] = [];
  lines.push(`SLO ${item.metadata.name} (service ${s.service}): objective ${s.objective}%, ${windowText(s.window)}, ${s.budgeting}`);
  if (!e || e.kind === 'invalid') {
    lines.push(`not evaluable: ${(e?.errors ?? ['no evaluation yet']).join('; ')}`);
    return lines.join('\n');
  }
  if (e.kind === 'composite') {
    lines.push(`composite: SLI = Σ wᵢ·SLIᵢ / Σ wᵢ over components with data`);
    for (const c of e.components) lines.push(`  ${c.name}: SLI ${pct(c.sli)} (${c.status})`);
    lines.push(`SLI = ${pct(e.sli)}; budget consumed = (1 − SLI) / B = ${pct(e.consumedFraction, 2)}; remaining ${pct(e.remainingFraction, 2)}`);
    lines.push(`status: ${e.status} (${e.statusReason})`);
    return lines.join('\n');
  }
  const B = Number((1 - s.objective / 100).toPrecision(12));
  const unit = e.unit;
  lines.push(`evaluated at ${e.at}; window [${e.window.start}, ${e.window.end}); measured [${e.measured.from}, ${e.measured.to}); period ${e.window.periodMinutes} min`);
  lines.push(`budget ratio B = 1 − ${s.objective}% = ${B}`);
  const m = e.measurement;
  lines.push(`measured: good ${num(m.good, 4)} + bad ${num(m.bad, 4)} ${unit} (${m.events} events, ${m.dataMinutes} of ${m.includedMinutes} minutes with data)`);
  if (m.good + m.bad > 0) lines.push(`SLI = good / (good + bad) = ${num(m.good, 4)} / ${num(m.good + m.bad, 4)} = ${e.sli}`);
  else lines.push('SLI: nothing measured yet');
  const b = e.budget;
  lines.push(
    unit === 'events'
      ? `budget: allowed = B × ${num(m.good + m.bad, 4)} events = ${num(b.total, 4)}; consumed ${num(b.consumed, 4)} = ${pct(b.consumedFraction, 2)}; remaining ${num(b.remaining, 4)} = ${pct(b.remainingFraction, 2)}`
      : `budget: allowed = B × ${e.window.periodMinutes} min = ${num(b.total, 4)} min; consumed ${num(b.consumed, 4)} min = ${pct(b.consumedFraction, 2)}; remaining ${num(b.remaining, 4)} min = ${pct(b.remainingFraction, 2)}`,
  );
  lines.push('burn rates = error ratio / B:');
  for (const r of e.burnRates) lines.push(`  ${r.label.padEnd(6)} error ratio ${r.errorRatio === null ? '-' : num(r.errorRatio, 6)} over ${r.events} events → burn ${num(r.burnRate)}`);
  lines.push('alert tiers (fire when both windows exceed k·B and the long window saw ≥ minEvents events):');
  for (const t of e.tiers) {
    const long = t.longRatio === null ? '-' : num(t.longRatio, 6);
    const short = t.shortRatio === null ? '-' : num(t.shortRatio, 6);
    lines.push(`  ${t.severity} ${t.id.split(':').at(-1)}: k = ${num(t.k, 4)}, k·B = ${t.threshold}; long ${long} ${t.longRatio !== null && t.longRatio > t.threshold ? '>' : '≤'} k·B, short ${short} ${t.shortRatio !== null && t.shortRatio > t.threshold ? '>' : '≤'} k·B, events ${t.longEvents} (min ${t.minEvents}) → ${t.firing ? 'FIRING' : 'quiet'}`);
  }
  if (e.noData) lines.push(`no-data alert: ${e.noData.dataMinutes} minutes with data in the last ${e.noData.afterMinutes} → ${e.noData.firing ? 'FIRING' : 'quiet'}`);
  const burn = e.burnRates.find((r: { minutes: number }) => r.minutes === e.exhaustionWindowMinutes)?.burnRate;
  lines.push(`time to exhaustion = remaining ${pct(b.remainingFraction, 2)} × ${e.window.periodMinutes} min / burn(${e.exhaustionWindowMinutes} min) ${num(burn)} = ${formatMinutes(e.timeToExhaustionMinutes)}`);
  lines.push(`status: ${e.status} (${e.statusReason})`);
  const c = item.dependencyCeiling;
  if (c) {
    lines.push(
      `dependency ceiling = ${c.dependencies.map((d) => `${d.objective}%`).join(' × ')} = ${c.ceilingPercent}% (${c.dependencies.map((d) => d.name).join(', ')}): ` +
        (c.exceeds ? `the objective ${s.objective}% is ABOVE it` : `the objective ${s.objective}% fits under it`),
    );
  }
  return lines.join('\n');
}

export function registerSloCommands(program: Command, globals: () => GlobalOptions): void {
  const slo = program.command('slo').description('SLO status, history and the arithmetic behind them');

  const list = async () => {
    const o = globals();
    const client = await connect(o);
    try {
      const res = expectOk(await client.request<{ items: SloItem[] }>('GET', '/api/v1/slos'));
      if (o.json) printJson(res.items.map((i) => ({ name: i.metadata.name, service: i.spec.service, objective: i.spec.objective, ...i.summary })));
      else println(table(listRows(res.items)));
    } finally {
      await client.close();
    }
  };

  slo.command('list').description('every SLO with its status, SLI, budget left and 1h burn rate').action(list);

  slo
    .command('status')
    .description('one SLO in detail (or all of them, as list does)')
    .argument('[name]', 'an SLO')
    .action(async (name: string | undefined) => {
      if (!name) return list();
      const o = globals();
      const client = await connect(o);
      try {
        const item = expectOk(await client.request<SloItem>('GET', `/api/v1/slos/${encodeURIComponent(name)}`));
        if (o.json) return printJson({ name, spec: item.spec, evaluation: item.evaluation });
        const e = item.evaluation;
        println(`${name}: ${e?.status ?? 'pending'}${e?.statusReason ? ` (${e.statusReason})` : ''}`);
        if (e?.kind === 'simple') {
          const tte = e.timeToExhaustionMinutes;
          const exhaustion = tte === null ? 'not burning' : tte <= 0 ? 'budget exhausted' : `exhausted in ${formatMinutes(tte)} at the current burn`;
          println(`SLI ${pct(e.sli)} against ${item.spec.objective}% over ${windowText(item.spec.window)}; budget left ${pct(e.budget.remainingFraction, 2)}; ${exhaustion}`);
          println(table(e.burnRates.map((r: { label: string; burnRate: number | null; errorRatio: number | null; events: number }) => ({ window: r.label, burnRate: num(r.burnRate), errorRatio: r.errorRatio === null ? '-' : num(r.errorRatio, 6), events: String(r.events) }))));
          println(table(e.tiers.map((t: { id: string; severity: string; threshold: number; firing: boolean }) => ({ tier: t.id.split(':').slice(1).join(' '), threshold: String(t.threshold), state: t.firing ? 'FIRING' : 'quiet' }))));
        } else if (e?.kind === 'composite') {
          println(`SLI ${pct(e.sli)}; budget left ${pct(e.remainingFraction, 2)}`);
        }
      } finally {
        await client.close();
      }
    });

  slo
    .command('history')
    .description('SLI, budget left and burn rates over time')
    .argument('<name>', 'an SLO')
    .option('--from <time>', 'ISO 8601 start (default: 24 hours ago)')
    .option('--to <time>', 'ISO 8601 end (default: now)')
    .option('--step <step>', 'e.g. 5m, 1h, 1d', '1h')
    .action(async (name: string, cmd: { from?: string; to?: string; step: string }) => {
      const o = globals();
      const q = new URLSearchParams({ step: cmd.step });
      if (cmd.from) q.set('from', cmd.from);
      if (cmd.to) q.set('to', cmd.to);
      const client = await connect(o);
      try {
        const res = expectOk(await client.request<{ points: { t: string; sli: number | null; remainingFraction: number; status: string; burnRates: Record<string, number | null>; firing: string[] }[] }>('GET', `/api/v1/slos/${encodeURIComponent(name)}/history?${q}`));
        if (o.json) return printJson(res);
        println(table(res.points.map((p) => ({ time: p.t, status: p.status, sli: pct(p.sli), budgetLeft: pct(p.remainingFraction, 2), burn1h: num(p.burnRates['1h']), burn6h: num(p.burnRates['6h']), firing: p.firing.map((f) => f.split(':').slice(1).join(':')).join(' ') }))));
      } finally {
        await client.close();
      }
    });

  slo
    .command('explain')
    .description('the arithmetic behind an SLO\'s current status: sums, windows, thresholds')
    .argument('<name>', 'an SLO')
    .action(async (name: string) => {
      const o = globals();
      const client = await connect(o);
      try {
        const item = expectOk(await client.request<SloItem>('GET', `/api/v1/slos/${encodeURIComponent(name)}`));
        if (o.json) return printJson(item.evaluation);
        println(explain(item));
      } finally {
        await client.close();
      }
    });

  slo
    .command('promote')
    .description('promote an SLO to an SLA: print the SLA document for your files, or apply it with --apply')
    .argument('<name>', 'the SLO backing the agreement')
    .requiredOption('--target <percent>', 'the contractual target, e.g. 99.5 (usually below the SLO objective)')
    .requiredOption('--consequence <text>', 'what happens when the target is missed, e.g. "10% service credit"')
    .option('--sla-name <name>', 'name of the SLA (default: <slo>-sla)')
    .option('--customer <text>', 'who the agreement is with')
    .option('--apply', 'apply it now instead of printing it')
    .action(async (name: string, cmd: { target: string; consequence: string; slaName?: string; customer?: string; apply?: boolean }) => {
      const o = globals();
      const target = Number(cmd.target);
      if (!(target > 0 && target < 100)) throw new CliError(`--target must be a percentage between 0 and 100, not ${cmd.target}`, exitCodes.usage);
      const doc = stringify({
        apiVersion: 'pave/v1',
        kind: 'SLA',
        metadata: { name: cmd.slaName ?? `${name}-sla` },
        spec: { slo: name, target, consequence: cmd.consequence, ...(cmd.customer ? { customer: cmd.customer } : {}) },
      });
      if (!cmd.apply) {
        process.stdout.write(doc);
        return;
      }
      const client = await connect(o);
      try {
        const res = await client.request<{ changes: { action: string; kind: string; name: string }[]; warnings: { message: string }[] }>('POST', '/api/v1/apply', { files: [{ name: `promote-${name}.yaml`, content: doc }] });
        const body = expectOk(res);
        if (o.json) return printJson(body);
        for (const c of body.changes) println(`${c.action} ${c.kind}/${c.name}`);
        for (const w of body.warnings) println(`warning: ${w.message}`);
      } finally {
        await client.close();
      }
    });

  slo
    .command('evaluate')
    .description('evaluate every SLO now instead of waiting for the next cycle')
    .action(async () => {
      const o = globals();
      const client = await connect(o);
      try {
        const res = expectOk(await client.request('POST', '/api/v1/slos/evaluate'));
        if (o.json) printJson(res);
        else println('evaluated');
      } finally {
        await client.close();
      }
    });
}
