// The arithmetic behind an SLO's status, line by line, so a reader can check it by hand (the same lines as
// `pave slo explain`, src/cli/commands/slo.ts).
import { minutesText, num, pct } from './format';
import type { SloObject } from './types';

const windowText = (w: SloObject['spec']['window']) => (w.rolling ? `rolling ${w.rolling}` : `${w.calendar} (${w.timezone})`);

export function explainLines(item: SloObject): string[] {
  const e = item.evaluation;
  const s = item.spec;
  const lines: string[] = [`SLO ${item.metadata.name} (service ${s.service}): objective ${s.objective}%, ${windowText(s.window)}, ${s.budgeting}`];
  if (!e || e.kind === 'invalid' || e.status === 'pending') {
    lines.push(`not evaluable: ${(e?.errors ?? ['no evaluation yet']).join('; ')}`);
    return lines;
  }
  if (e.kind === 'composite') {
    lines.push('composite: SLI = Σ wᵢ·SLIᵢ / Σ wᵢ over components with data');
    for (const c of e.components ?? []) lines.push(`  ${c.name}: SLI ${pct(c.sli, 4)} (${c.status})`);
    lines.push(`SLI = ${pct(e.sli, 4)}; budget consumed = (1 − SLI) / B = ${pct(e.consumedFraction, 2)}; remaining ${pct(e.remainingFraction, 2)}`);
    lines.push(`status: ${e.status} (${e.statusReason})`);
    return lines;
  }
  const B = Number((1 - s.objective / 100).toPrecision(12));
  const m = e.measurement!;
  const b = e.budget!;
  lines.push(`evaluated at ${e.at}; window [${e.window?.start}, ${e.window?.end}); period ${e.window?.periodMinutes} min`);
  lines.push(`budget ratio B = 1 − ${s.objective}% = ${B}`);
  lines.push(`measured: good ${num(m.good, 4)} + bad ${num(m.bad, 4)} ${e.unit} (${m.events} events, ${m.dataMinutes} of ${m.includedMinutes} minutes with data)`);
  if (m.good + m.bad > 0) lines.push(`SLI = good / (good + bad) = ${num(m.good, 4)} / ${num(m.good + m.bad, 4)} = ${e.sli}`);
  else lines.push('SLI: nothing measured yet');
  lines.push(
    e.unit === 'events'
      ? `budget: allowed = B × ${num(m.good + m.bad, 4)} events = ${num(b.total, 4)}; consumed ${num(b.consumed, 4)} = ${pct(b.consumedFraction, 2)}; remaining ${num(b.remaining, 4)} = ${pct(b.remainingFraction, 2)}`
      : `budget: allowed = B × ${e.window?.periodMinutes} min = ${num(b.total, 4)} min; consumed ${num(b.consumed, 4)} min = ${pct(b.consumedFraction, 2)}; remaining ${num(b.remaining, 4)} min = ${pct(b.remainingFraction, 2)}`,
  );
  lines.push('burn rate = error ratio / B:');
  for (const r of e.burnRates ?? []) lines.push(`  ${r.label.padEnd(6)} error ratio ${r.errorRatio === null ? '–' : num(r.errorRatio, 6)} over ${r.events} events → burn ${num(r.burnRate)}`);
  lines.push('alert tiers fire when both windows exceed k·B and the long window saw ≥ minEvents events:');
  for (const t of e.tiers ?? []) {
    const cmp = (v: number | null) => (v === null ? '–' : `${num(v, 6)} ${v > t.threshold ? '>' : '≤'}`);
    lines.push(`  ${t.severity} ${t.id.split(':').at(-1)}: k = ${num(t.k, 4)}, k·B = ${t.threshold}; long ${cmp(t.longRatio)} k·B, short ${cmp(t.shortRatio)} k·B, events ${t.longEvents} (min ${t.minEvents}) → ${t.firing ? 'FIRING' : 'quiet'}`);
  }
  if (e.noData) lines.push(`no-data alert: ${e.noData.dataMinutes} minutes with data in the last ${e.noData.afterMinutes} → ${e.noData.firing ? 'FIRING' : 'quiet'}`);
  const burn = (e.burnRates ?? []).find((r) => r.minutes === e.exhaustionWindowMinutes)?.burnRate;
  lines.push(`time to exhaustion = remaining ${pct(b.remainingFraction, 2)} × ${e.window?.periodMinutes} min / burn(${e.exhaustionWindowMinutes} min) ${num(burn)} = ${minutesText(e.timeToExhaustionMinutes)}`);
  lines.push(`status: ${e.status} (${e.statusReason})`);
  const c = item.dependencyCeiling;
  if (c) {
    lines.push(
      `dependency ceiling = ${c.dependencies.map((d) => `${d.objective}%`).join(' × ')} = ${c.ceilingPercent}% (${c.dependencies.map((d) => d.name).join(', ')}): ` +
        (c.exceeds ? `the objective ${s.objective}% is ABOVE it` : `the objective ${s.objective}% fits under it`),
    );
  }
  return lines;
}
