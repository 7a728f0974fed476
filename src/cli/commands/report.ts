// pave report oncall-load | repair-debt | incidents | weekly: the reports of GET /api/v1/reports/... as tables, or the
// weekly production report as Markdown or HTML (optionally emailed through the server's SMTP settings).
import type { Command } from 'commander';
import type { MetricsGroup, Percentiles, RepairDebt } from '../../domain/reports/metrics.js';
import { connect, expectOk, type GlobalOptions } from '../connection.js';
import { CliError, exitCodes, printJson, println, table } from '../output.js';

interface Durations {
  medianMinutes: number;
  p90Minutes: number;
}
interface PersonLoad {
  person: string;
  shifts: number;
  onCallHours: number;
  onCallShare: number;
  pages: number;
  nightPages: number;
  weekendPages: number;
  pagesPer12Hours: number | null;
  timeToAcknowledge: Durations | null;
  timeToResolve: Durations | null;
}
interface LoadReport {
  schedule: string;
  team: string;
  from: string;
  to: string;
  pages: number;
  unattended: number;
  coverage: number;
  people: PersonLoad[];
  shifts: { person: string; start: string; end: string; pages: number; nightPages: number; pagesPer12Hours: number; overLimit: boolean }[];
  noisiest: { title: string; pages: number }[];
  warnings: string[];
}

const minutes = (d: Durations | null) => (d ? `${d.medianMinutes} / ${d.p90Minutes}` : '-');

function printReport(r: LoadReport): void {
  println(`On-call load of ${r.schedule} (team ${r.team}), ${r.from} to ${r.to}: ${r.pages} page(s), ${r.unattended} while nobody was on call, covered ${Math.round(r.coverage * 100)}% of the time`);
  println();
  println(
    table(
      r.people.map((p) => ({
        PERSON: p.person,
        SHIFTS: String(p.shifts),
        'ON CALL': `${p.onCallHours} h (${Math.round(p.onCallShare * 100)}%)`,
        PAGES: String(p.pages),
        NIGHT: String(p.nightPages),
        WEEKEND: String(p.weekendPages),
        'PER 12H': p.pagesPer12Hours === null ? '-' : String(p.pagesPer12Hours),
        'ACK MIN (MEDIAN / P90)': minutes(p.timeToAcknowledge),
        'RESOLVE MIN (MEDIAN / P90)': minutes(p.timeToResolve),
      })),
    ),
  );
  const busy = r.shifts.filter((s) => s.overLimit);
  if (busy.length) {
    println();
    println('Shifts over two pages per 12 hours:');
    println(table(busy.map((s) => ({ PERSON: s.person, START: s.start, END: s.end, PAGES: String(s.pages), NIGHT: String(s.nightPages), 'PER 12H': String(s.pagesPer12Hours) }))));
  }
  if (r.noisiest.length) {
    println();
    println('Noisiest alerts:');
    println(table(r.noisiest.map((n) => ({ PAGES: String(n.pages), TITLE: n.title }))));
  }
  if (r.warnings.length) {
    println();
    for (const w of r.warnings) println(`warning: ${w}`);
  }
}

export function registerReportCommands(program: Command, globals: () => GlobalOptions): void {
  const report = program.command('report').description('reports on operations');
  report
    .command('oncall-load')
    .description("a schedule's on-call load: pages per person and shift, night and weekend pages, time to acknowledge and resolve, noisiest alerts, rotation health")
    .requiredOption('--schedule <name>', 'the schedule')
    .option('--from <time>', 'start, ISO 8601 with an offset (default 28 days before --to)')
    .option('--to <time>', 'end, ISO 8601 with an offset (default now)')
    .action(async (cmd: { schedule: string; from?: string; to?: string }) => {
      const o = globals();
      const client = await connect(o);
      try {
        const q = new URLSearchParams({ schedule: cmd.schedule, ...(cmd.from ? { from: cmd.from } : {}), ...(cmd.to ? { to: cmd.to } : {}) });
        const r = expectOk(await client.request<LoadReport>('GET', `/api/v1/reports/oncall-load?${q}`));
        if (o.json) printJson(r);
        else printReport(r);
      } finally {
        await client.close();
      }
    });
  registerProductionReportCommands(report, globals);
}

const p50p90 = (p: Percentiles | null) => (p ? `${Math.round(p.p50 * 10) / 10} / ${Math.round(p.p90 * 10) / 10}` : '-');

function rangeQuery(cmd: { from?: string; to?: string; team?: string; service?: string; step?: string }): string {
  const q = new URLSearchParams();
  for (const k of ['from', 'to', 'team', 'service', 'step'] as const) if (cmd[k]) q.set(k, cmd[k]!);
  return q.size ? `?${q}` : '';
}

function registerProductionReportCommands(report: Command, globals: () => GlobalOptions): void {
  report
    .command('repair-debt')
    .description('open and overdue action items over time, per team and service')
    .option('--from <time>', 'start, ISO 8601 with an offset (default 12 weeks before --to)')
    .option('--to <time>', 'end, ISO 8601 with an offset (default now)')
    .option('--step <step>', '1d or 7d (default 7d)')
    .option('--team <team>', 'only items this team carries')
    .option('--service <service>', 'only items about this service')
    .action(async (cmd: { from?: string; to?: string; step?: string; team?: string; service?: string }) => {
      if (cmd.step && cmd.step !== '1d' && cmd.step !== '7d') throw new CliError(`--step must be 1d or 7d, not "${cmd.step}"`, exitCodes.usage);
      const o = globals();
      const client = await connect(o);
      try {
        const r = expectOk(await client.request<RepairDebt>('GET', `/api/v1/reports/repair-debt${rangeQuery(cmd)}`));
        if (o.json) return printJson(r);
        println(`Repair debt, ${r.from} to ${r.to}`);
        println();
        println(table(r.points.map((p) => ({ at: p.at, open: String(p.open), overdue: String(p.overdue) }))));
        println();
        println('Now, per team:');
        println(table(r.byTeam.map((g) => ({ team: g.name, open: String(g.open), overdue: String(g.overdue) }))));
        println();
        println('Now, per service:');
        println(table(r.byService.map((g) => ({ service: g.name, open: String(g.open), overdue: String(g.overdue) }))));
      } finally {
        await client.close();
      }
    });

  report
    .command('incidents')
    .description('incident time metrics (TTD, TTE, TTF, TTM) as percentiles per service and team')
    .option('--from <time>', 'declared from, ISO 8601 with an offset (default 28 days before --to)')
    .option('--to <time>', 'declared before, ISO 8601 with an offset (default now)')
    .option('--team <team>', 'only incidents on services this team owns')
    .option('--service <service>', 'only incidents on this service')
    .action(async (cmd: { from?: string; to?: string; team?: string; service?: string }) => {
      const o = globals();
      const client = await connect(o);
      try {
        const r = expectOk(await client.request<{ from: string; to: string; all: MetricsGroup; byService: MetricsGroup[]; byTeam: MetricsGroup[] }>('GET', `/api/v1/reports/incident-metrics${rangeQuery(cmd)}`));
        if (o.json) return printJson(r);
        const rows = (groups: MetricsGroup[], what: string) =>
          groups.map((g) => ({ [what]: g.name, incidents: String(g.incidents), 'by customers': String(g.customerDetected), 'TTD p50/p90': p50p90(g.ttd), 'TTE p50/p90': p50p90(g.tte), 'TTF p50/p90': p50p90(g.ttf), 'TTM p50/p90': p50p90(g.ttm) }));
        println(`Incident time metrics in minutes, incidents declared ${r.from} to ${r.to}`);
        println();
        println(table(rows([r.all], 'scope')));
        println();
        println(table(rows(r.byTeam, 'team')));
        println();
        println(table(rows(r.byService, 'service')));
      } finally {
        await client.close();
      }
    });

  report
    .command('weekly')
    .description('the weekly production report: SLOs and budgets, pages and on-call load, incidents, overdue action items, postmortems due')
    .option('--week <week>', 'an ISO week such as 2026-W47 (UTC; default: last week)')
    .option('--format <format>', 'md or html (default md)', 'md')
    .option('--email <addresses>', 'comma-separated addresses: the server emails the report (needs its SMTP settings)')
    .action(async (cmd: { week?: string; format: string; email?: string }) => {
      if (cmd.format !== 'md' && cmd.format !== 'html') throw new CliError(`--format must be md or html, not "${cmd.format}"`, exitCodes.usage);
      const o = globals();
      const client = await connect(o);
      try {
        if (cmd.email) {
          const to = cmd.email.split(',').map((a) => a.trim()).filter((a) => a !== '');
          const r = expectOk(await client.request<{ week: string; sentTo: string[] }>('POST', '/api/v1/reports/weekly/email', { ...(cmd.week ? { week: cmd.week } : {}), to }));
          if (o.json) printJson(r);
          else println(`weekly report ${r.week} emailed to ${r.sentTo.join(', ')}`);
          return;
        }
        const q = new URLSearchParams({ ...(cmd.week ? { week: cmd.week } : {}), format: o.json ? 'json' : cmd.format });
        const r = expectOk(await client.request<unknown>('GET', `/api/v1/reports/weekly?${q}`));
        if (o.json) printJson(r);
        else process.stdout.write(String(r));
      } finally {
        await client.close();
      }
    });
}
