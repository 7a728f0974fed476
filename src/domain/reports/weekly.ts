// The weekly production report (DESIGN §8): the agenda of a production meeting. ISO weeks in UTC, the report's data
// shape, and its rendering as Markdown and as HTML (every value escaped: titles, names and links are user input).

const DAY_MS = 86_400_000;

/** `2026-W47` → [Monday 00:00 UTC, next Monday 00:00 UTC). Null when the text is not an ISO week that exists. */
export function isoWeekRange(week: string): { from: number; to: number } | null {
  const m = /^(\d{4})-W(\d{2})$/.exec(week);
  if (!m) return null;
  const year = Number(m[1]);
  const n = Number(m[2]);
  if (n < 1 || n > 53) return null;
  // Week 1 holds 4 January; weeks start on Monday.
  const jan4 = Date.UTC(year, 0, 4);
  const monday1 = jan4 - ((new Date(jan4).getUTCDay() + 6) % 7) * DAY_MS;
  const from = monday1 + (n - 1) * 7 * DAY_MS;
  if (isoWeekOf(from) !== week) return null;
  return { from, to: from + 7 * DAY_MS };
}

/** The ISO week (UTC) holding instant `ms`, e.g. `2026-W47`. */
export function isoWeekOf(ms: number): string {
  const day = Math.floor(ms / DAY_MS) * DAY_MS;
  const weekday = (new Date(day).getUTCDay() + 6) % 7;
  const thursday = day - weekday * DAY_MS + 3 * DAY_MS;
  const year = new Date(thursday).getUTCFullYear();
  const n = Math.floor((thursday - Date.UTC(year, 0, 1)) / (7 * DAY_MS)) + 1;
  return `${year}-W${String(n).padStart(2, '0')}`;
}

export interface WeeklySlo {
  name: string;
  service: string;
  team: string;
  objectivePercent: string;
  /** At the end of the week; null with no data. */
  sli: number | null;
  budgetRemainingFraction: number | null;
  status: string;
}

export interface WeeklyTeamPages {
  team: string;
  pages: number;
  /** Pages in the responder's night (22:00–07:00 local), from the on-call load of the team's schedules. */
  nightPages: number;
}

export interface WeeklyOncall {
  schedule: string;
  team: string;
  pages: number;
  /** Shifts over two pages per 12 hours on call. */
  shiftsOverLimit: number;
  nightPages: number;
  warnings: string[];
}

export interface WeeklyIncident {
  id: string;
  title: string;
  severity: string;
  status: string;
  services: string[];
  detectedBy: string;
  ttdMinutes: number | null;
  tteMinutes: number | null;
  ttfMinutes: number | null;
  ttmMinutes: number | null;
}

export interface WeeklyActionItem {
  id: string;
  incidentId: string;
  title: string;
  owner: string;
  team: string;
  dueDate: string;
}

export interface WeeklyPostmortemDue {
  incidentId: string;
  title: string;
  /** `missing` when no postmortem was started. */
  status: string;
  dueDate: string | null;
  overdue: boolean;
}

export interface WeeklyReport {
  week: string;
  from: string;
  to: string;
  slos: WeeklySlo[];
  pages: { total: number; byTeam: WeeklyTeamPages[] };
  oncall: WeeklyOncall[];
  incidents: WeeklyIncident[];
  overdueActionItems: WeeklyActionItem[];
  postmortemsDue: WeeklyPostmortemDue[];
}

const pct = (f: number | null, digits = 3): string => (f === null ? '—' : `${(Math.round(f * 10 ** (digits + 2)) / 10 ** digits).toFixed(digits)}%`);
const min = (m: number | null): string => (m === null ? '—' : String(Math.round(m * 10) / 10));
const day = (iso: string): string => iso.slice(0, 10);

/** The report's tables as rows of plain strings, shared by both renderings so they always say the same thing. */
function sections(r: WeeklyReport): { title: string; empty: string; header: string[]; rows: string[][] }[] {
  return [
    {
      title: 'SLOs and error budgets',
      empty: 'No SLOs.',
      header: ['SLO', 'service', 'team', 'objective', 'SLI', 'budget left', 'status'],
      rows: r.slos.map((s) => [s.name, s.service, s.team, `${s.objectivePercent}%`, pct(s.sli), pct(s.budgetRemainingFraction, 1), s.status]),
    },
    {
      title: 'Pages',
      empty: 'No pages.',
      header: ['team', 'pages', 'night pages'],
      rows: r.pages.byTeam.map((p) => [p.team, String(p.pages), String(p.nightPages)]),
    },
    {
      title: 'On-call load',
      empty: 'No schedules.',
      header: ['schedule', 'team', 'pages', 'shifts over 2 pages / 12 h', 'night pages', 'warnings'],
      rows: r.oncall.map((o) => [o.schedule, o.team, String(o.pages), String(o.shiftsOverLimit), String(o.nightPages), o.warnings.join('; ') || '—']),
    },
    {
      title: 'Incidents',
      empty: 'No incidents.',
      header: ['#', 'title', 'severity', 'status', 'services', 'detected by', 'TTD', 'TTE', 'TTF', 'TTM'],
      rows: r.incidents.map((i) => [i.id, i.title, i.severity, i.status, i.services.join(', '), i.detectedBy, min(i.ttdMinutes), min(i.tteMinutes), min(i.ttfMinutes), min(i.ttmMinutes)]),
    },
    {
      title: 'Overdue action items',
      empty: 'None overdue.',
      header: ['#', 'incident', 'action', 'owner', 'team', 'due'],
      rows: r.overdueActionItems.map((a) => [a.id, a.incidentId, a.title, a.owner, a.team, a.dueDate]),
    },
    {
      title: 'Postmortems due',
      empty: 'None due.',
      header: ['incident', 'title', 'postmortem', 'due', 'overdue'],
      rows: r.postmortemsDue.map((p) => [p.incidentId, p.title, p.status.replace('_', ' '), p.dueDate ?? '—', p.overdue ? 'yes' : 'no']),
    },
  ];
}

const mdCell = (s: string): string => s.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');

export function weeklyMarkdown(r: WeeklyReport): string {
  const out = [`# Production report, week ${r.week}`, '', `${day(r.from)} to ${day(r.to)} (UTC, end exclusive). Times in minutes.`, ''];
  out.push(`${r.pages.total} page(s), ${r.incidents.length} incident(s), ${r.overdueActionItems.length} overdue action item(s), ${r.postmortemsDue.length} postmortem(s) due.`, '');
  for (const s of sections(r)) {
    out.push(`## ${s.title}`, '');
    if (s.rows.length === 0) out.push(s.empty, '');
    else out.push(`| ${s.header.join(' | ')} |`, `|${s.header.map(() => '---').join('|')}|`, ...s.rows.map((row) => `| ${row.map(mdCell).join(' | ')} |`), '');
  }
  return out.join('\n').replace(/\n+$/, '\n');
}

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(s: string): string {
  return s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;').replaceAll("'", '&#39;');
}

export function weeklyHtml(r: WeeklyReport): string {
  const e = escapeHtml;
  const out = [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<title>Production report, week ${e(r.week)}</title>`,
    '<style>body{font-family:system-ui,sans-serif;margin:2em}table{border-collapse:collapse;margin-bottom:1.5em}th,td{border:1px solid #ccc;padding:.3em .6em;text-align:left}th{background:#f4f4f4}</style>',
    '</head><body>',
    `<h1>Production report, week ${e(r.week)}</h1>`,
    `<p>${e(day(r.from))} to ${e(day(r.to))} (UTC, end exclusive). Times in minutes.</p>`,
    `<p>${r.pages.total} page(s), ${r.incidents.length} incident(s), ${r.overdueActionItems.length} overdue action item(s), ${r.postmortemsDue.length} postmortem(s) due.</p>`,
  ];
  for (const s of sections(r)) {
    out.push(`<h2>${e(s.title)}</h2>`);
    if (s.rows.length === 0) out.push(`<p>${e(s.empty)}</p>`);
    else {
      out.push('<table>', `<tr>${s.header.map((h) => `<th>${e(h)}</th>`).join('')}</tr>`);
      for (const row of s.rows) out.push(`<tr>${row.map((c) => `<td>${e(c)}</td>`).join('')}</tr>`);
      out.push('</table>');
    }
  }
  out.push('</body></html>');
  return out.join('\n') + '\n';
}
