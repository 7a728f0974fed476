// A postmortem as a document: the blameless template of DESIGN §8, its lifecycle (draft → in review → published),
// action items, and the advisory checks (blame, time goals missed without a repair item). Pure.
import type { TimeGoals } from './policy.js';

export type PostmortemStatus = 'draft' | 'in_review' | 'published';
export const postmortemStatuses: readonly PostmortemStatus[] = ['draft', 'in_review', 'published'];

/** The written sections, each Markdown text; empty until someone writes it. */
export interface PostmortemSections {
  summary: string;
  /** Who was affected and how, in words (the figures are computed, see impact.ts). */
  customerImpact: string;
  rootCauses: string;
  contributingFactors: string;
  whatWentWell: string;
  whatWentBadly: string;
  whereWeGotLucky: string;
  lessons: string;
}
export const sectionNames: readonly (keyof PostmortemSections)[] = [
  'summary',
  'customerImpact',
  'rootCauses',
  'contributingFactors',
  'whatWentWell',
  'whatWentBadly',
  'whereWeGotLucky',
  'lessons',
];
export const emptySections: PostmortemSections = {
  summary: '',
  customerImpact: '',
  rootCauses: '',
  contributingFactors: '',
  whatWentWell: '',
  whatWentBadly: '',
  whereWeGotLucky: '',
  lessons: '',
};

/**
 * Allowed moves. Review can send a draft back; a published postmortem is final (corrections go in a new action item or
 * a follow-up, so what people read and linked to does not change under them).
 */
const transitions: Record<PostmortemStatus, readonly PostmortemStatus[]> = {
  draft: ['in_review'],
  in_review: ['draft', 'published'],
  published: [],
};

export function transitionError(from: PostmortemStatus, to: PostmortemStatus): string | null {
  if (transitions[from].includes(to)) return null;
  if (from === to) return `the postmortem is already ${to}`;
  if (from === 'published') return 'the postmortem is published: it can no longer change status';
  const allowed = transitions[from];
  return `a postmortem in ${from} can move to ${allowed.join(' or ')}, not to ${to}`;
}

/** Only drafts and postmortems in review can be edited. */
export function editError(status: PostmortemStatus): string | null {
  return status === 'published' ? 'the postmortem is published: its text can no longer change' : null;
}

export type ActionItemType = 'prevent' | 'mitigate' | 'detect' | 'repair';
export const actionItemTypes: readonly ActionItemType[] = ['prevent', 'mitigate', 'detect', 'repair'];
export type ActionItemStatus = 'open' | 'in_progress' | 'done' | 'wont_do';
export const actionItemStatuses: readonly ActionItemStatus[] = ['open', 'in_progress', 'done', 'wont_do'];
/** What a repair item repairs when an incident missed a time goal (REFERENCE §3). */
export type RepairTag = 'detection' | 'engagement' | 'diagnosis';
export const repairTags: readonly RepairTag[] = ['detection', 'engagement', 'diagnosis'];

export const isClosed = (s: ActionItemStatus): boolean => s === 'done' || s === 'wont_do';

export interface ActionItem {
  id: string;
  postmortemId: string;
  incidentId: string;
  title: string;
  type: ActionItemType;
  /** For repair items made because a time goal was missed. */
  tag: RepairTag | null;
  /** A person or team name. */
  owner: string;
  team: string;
  service: string | null;
  /** Local date YYYY-MM-DD; overdue after it ends in UTC. */
  dueDate: string | null;
  status: ActionItemStatus;
  link: string | null;
  createdAt: string;
  closedAt: string | null;
}

/** Overdue: still open after its due date (the whole due day counts, in UTC). */
export function isOverdue(item: { status: ActionItemStatus; dueDate: string | null; closedAt?: string | null }, atMs: number): boolean {
  if (item.dueDate === null) return false;
  const end = Date.parse(`${item.dueDate}T00:00:00Z`) + 86_400_000;
  if (atMs < end) return false;
  if (!isClosed(item.status)) return true;
  return item.closedAt !== null && item.closedAt !== undefined && Date.parse(item.closedAt) > atMs;
}

/** Incident time metrics in minutes (REFERENCE §3); null when a time is missing. */
export interface TimeMetrics {
  ttdMinutes: number | null;
  tteMinutes: number | null;
  ttfMinutes: number | null;
  ttmMinutes: number | null;
}

export interface GoalMiss {
  metric: 'TTD' | 'TTE' | 'TTM';
  minutes: number;
  goalMinutes: number;
  tag: RepairTag;
}

/** Goals missed: TTD → a detection repair, TTE → engagement, TTM → diagnosis. */
export function goalsMissed(metrics: TimeMetrics, goals: TimeGoals): GoalMiss[] {
  const out: GoalMiss[] = [];
  const check = (metric: GoalMiss['metric'], minutes: number | null, goal: number | null, tag: RepairTag) => {
    if (minutes !== null && goal !== null && minutes > goal) out.push({ metric, minutes, goalMinutes: goal, tag });
  };
  check('TTD', metrics.ttdMinutes, goals.ttdMinutes, 'detection');
  check('TTE', metrics.tteMinutes, goals.tteMinutes, 'engagement');
  check('TTM', metrics.ttmMinutes, goals.ttmMinutes, 'diagnosis');
  return out;
}

export interface Warning {
  code: 'blame_human_error' | 'blame_person' | 'repair_item_missing';
  /** The section or figure it is about. */
  field: string;
  message: string;
}

/** Phrases that put the cause on people rather than on the system that let them fail. */
const blamePhrases = [/\bhuman[ -]error\b/i, /\boperator[ -]error\b/i, /\buser[ -]error\b/i, /\bhuman[ -]mistake\b/i, /\bpilot[ -]error\b/i];

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Advisory warnings, never refusals: blame in the root causes or contributing factors ("human error", a person of the
 * catalog named as a cause, by name or display name), and a missed time goal without a repair item of its tag.
 */
export function postmortemWarnings(input: {
  sections: PostmortemSections;
  people: readonly { name: string; displayName?: string | undefined }[];
  missed: readonly GoalMiss[];
  actionItems: readonly Pick<ActionItem, 'type' | 'tag'>[];
}): Warning[] {
  const warnings: Warning[] = [];
  for (const field of ['rootCauses', 'contributingFactors'] as const) {
    const text = input.sections[field];
    const phrase = blamePhrases.map((p) => p.exec(text)).find((m) => m !== null);
    if (phrase) {
      warnings.push({
        code: 'blame_human_error',
        field,
        message: `"${phrase[0]}" is named as a cause: blameless postmortems ask what let the mistake happen and what would have caught it (missing guard rails, unclear tooling, alerting)`,
      });
    }
    for (const p of input.people) {
      const names = [p.name, ...(p.displayName ? [p.displayName] : [])].filter((n) => n.length >= 2);
      const hit = names.find((n) => new RegExp(`(^|[^\\p{L}\\p{N}_-])${escapeRegExp(n)}($|[^\\p{L}\\p{N}_-])`, 'iu').test(text));
      if (hit) {
        warnings.push({
          code: 'blame_person',
          field,
          message: `a person ("${hit}") is named in ${field === 'rootCauses' ? 'the root causes' : 'the contributing factors'}: describe the system and the decision, not who made it`,
        });
      }
    }
  }
  for (const miss of input.missed) {
    if (!input.actionItems.some((a) => a.type === 'repair' && a.tag === miss.tag)) {
      warnings.push({
        code: 'repair_item_missing',
        field: `metrics.${miss.metric}`,
        message: `${miss.metric} was ${miss.minutes} min against a goal of ${miss.goalMinutes} min: add a repair action item tagged ${miss.tag}`,
      });
    }
  }
  return warnings;
}
