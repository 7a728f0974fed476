// The postmortem as Markdown (`pave postmortem export`): the blameless template of DESIGN §8 in a fixed order, with the
// computed figures (impact, time metrics) and the prefilled timeline. The written sections are Markdown already and
// go in as written; generated table cells are escaped so a `|` or a newline in a title cannot break the table.
import type { ActionItem, GoalMiss, PostmortemSections, PostmortemStatus, TimeMetrics, Warning } from './document.js';
import type { SloImpact } from './impact.js';

export interface PostmortemIncident {
  id: string;
  title: string;
  severity: string;
  status: string;
  services: string[];
  team: string | null;
  detectedBy: string;
  impactStartAt: string;
  detectedAt: string;
  engagedAt: string | null;
  mitigatedAt: string | null;
  resolvedAt: string | null;
  /** Current role holders, e.g. { commander: 'alice' }. */
  roles: Record<string, string>;
}

export interface TimelineEntry {
  at: string;
  /** What kind of entry: page, acknowledged, status, severity, role, note, decision, slo_alert, change, ... */
  kind: string;
  text: string;
}

/** Everything a postmortem shows: the stored document plus what is computed from the incident and the SLO data. */
export interface PostmortemView {
  id: string;
  incident: PostmortemIncident;
  status: PostmortemStatus;
  requiredBecause: string[];
  dueDate: string | null;
  sections: PostmortemSections;
  impact: SloImpact[];
  metrics: TimeMetrics;
  missedGoals: GoalMiss[];
  timeline: TimelineEntry[];
  actionItems: ActionItem[];
  warnings: Warning[];
  createdAt: string;
  updatedAt: string;
  publishedAt: string | null;
}

const cell = (s: string): string => s.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
const minutes = (m: number | null): string => (m === null ? '—' : `${m} min`);
const percent = (f: number): string => `${(Math.round(f * 10_000) / 100).toFixed(2)}%`;
const num = (x: number): string => String(Math.round(x * 1000) / 1000);
/** Times in UTC, to the minute: the export is read by people in many zones. */
const utc = (iso: string | null): string => (iso === null ? '—' : `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`);

function section(title: string, text: string): string[] {
  return [`## ${title}`, '', text.trim() === '' ? '_Not written yet._' : text.trim(), ''];
}

function table(header: string[], rows: string[][]): string[] {
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`)];
}

export function postmortemMarkdown(v: PostmortemView): string {
  const i = v.incident;
  const out: string[] = [
    `# Postmortem: ${i.title}`,
    '',
    `Incident ${i.id} · ${i.severity} · services ${i.services.join(', ') || '—'}${i.team ? ` · team ${i.team}` : ''}`,
    '',
    `Status: ${v.status.replace('_', ' ')}${v.dueDate ? ` · due ${v.dueDate}` : ''}${v.publishedAt ? ` · published ${utc(v.publishedAt)}` : ''}`,
    '',
  ];
  if (v.requiredBecause.length) out.push(`Required by policy: ${v.requiredBecause.join('; ')}.`, '');
  out.push('This postmortem is blameless: it is about the system and the decisions it made easy or hard, not about people.', '');
  if (v.warnings.length) {
    out.push('> **Warnings**', '>');
    for (const w of v.warnings) out.push(`> - ${w.message}`);
    out.push('');
  }
  out.push(...section('Summary', v.sections.summary));

  out.push('## Impact', '');
  if (v.sections.customerImpact.trim() !== '') out.push(v.sections.customerImpact.trim(), '');
  out.push(`Impact ${utc(i.impactStartAt)} → ${utc(i.mitigatedAt ?? i.resolvedAt)}; detected by ${i.detectedBy}.`, '');
  if (v.impact.length === 0) out.push('_No SLO of the affected services had data for the incident window._', '');
  else {
    out.push(
      ...table(
        ['SLO', 'service', 'objective', 'window (UTC)', 'duration', 'events', 'bad events', 'bad', 'budget consumed'],
        v.impact.map((s) => [
          s.slo,
          s.service,
          `${s.objectivePercent}%`,
          `${utc(s.from)} → ${utc(s.to)}`,
          `${s.durationMinutes} min`,
          String(s.events),
          String(s.badEvents),
          `${num(s.bad)} ${s.unit}`,
          `${percent(s.budgetConsumedFraction)} of ${num(s.budgetTotal)} ${s.unit}`,
        ]),
      ),
      '',
    );
  }

  out.push('## Time to detect, engage, fix, mitigate', '');
  out.push(
    ...table(
      ['impact start', 'detected', 'engaged', 'mitigated', 'resolved'],
      [[utc(i.impactStartAt), utc(i.detectedAt), utc(i.engagedAt), utc(i.mitigatedAt), utc(i.resolvedAt)]],
    ),
    '',
    ...table(['TTD', 'TTE', 'TTF', 'TTM'], [[minutes(v.metrics.ttdMinutes), minutes(v.metrics.tteMinutes), minutes(v.metrics.ttfMinutes), minutes(v.metrics.ttmMinutes)]]),
    '',
  );
  for (const m of v.missedGoals) out.push(`- ${m.metric} missed its goal (${m.minutes} min > ${m.goalMinutes} min): repair item tagged ${m.tag}.`);
  if (v.missedGoals.length) out.push('');
  const roles = Object.entries(i.roles);
  if (roles.length) out.push(`Roles: ${roles.map(([r, p]) => `${r} ${p}`).join(', ')}.`, '');

  out.push('## Timeline', '');
  if (v.timeline.length === 0) out.push('_No entries._', '');
  else out.push(...table(['time (UTC)', 'kind', 'what happened'], v.timeline.map((e) => [utc(e.at), e.kind, e.text])), '');

  out.push(...section('Root causes', v.sections.rootCauses));
  out.push(...section('Contributing factors', v.sections.contributingFactors));
  out.push(...section('What went well', v.sections.whatWentWell));
  out.push(...section('What went badly', v.sections.whatWentBadly));
  out.push(...section('Where we got lucky', v.sections.whereWeGotLucky));

  out.push('## Action items', '');
  if (v.actionItems.length === 0) out.push('_None yet._', '');
  else {
    out.push(
      ...table(
        ['#', 'action', 'type', 'owner', 'due', 'status', 'link'],
        v.actionItems.map((a) => [a.id, a.title, a.tag ? `${a.type} (${a.tag})` : a.type, a.owner, a.dueDate ?? '—', a.status.replace('_', ' '), a.link ?? '—']),
      ),
      '',
    );
  }
  out.push(...section('Lessons', v.sections.lessons));
  return out.join('\n').replace(/\n+$/, '\n');
}
