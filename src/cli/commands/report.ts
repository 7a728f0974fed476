// pave report oncall-load: the on-call load of a schedule (GET /api/v1/reports/oncall-load) as tables.
import type { Command } from 'commander';
import { connect, expectOk, type GlobalOptions } from '../connection.js';
import { printJson, println, table } from '../output.js';

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
  program
    .command('report')
    .description('reports on operations')
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
}
