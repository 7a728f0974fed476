// The postmortem policy: which incidents need a postmortem, by when (business days in the owning team's zone), and the
// incident time goals whose miss asks for a repair item. Pure: the environment is passed in as a record.
import { DAY_MS, instantOfWallClock, isValidTimeZone, wallClockAt } from '../time/zone.js';

/** Time goals in minutes (REFERENCE §3); null means no goal for that metric. */
export interface TimeGoals {
  ttdMinutes: number | null;
  tteMinutes: number | null;
  ttmMinutes: number | null;
}

export interface PostmortemPolicy {
  /** Severities that always need a postmortem (default SEV1, SEV2). */
  severities: string[];
  /** Whether every incident that came from (or had) a page needs one (default true). */
  paged: boolean;
  /** Business days (Monday to Friday) after the incident resolves; default 5. */
  dueBusinessDays: number;
  goals: TimeGoals;
}

export const defaultPostmortemPolicy: PostmortemPolicy = {
  severities: ['SEV1', 'SEV2'],
  paged: true,
  dueBusinessDays: 5,
  goals: { ttdMinutes: 10, tteMinutes: 15, ttmMinutes: 60 },
};

export class PolicyError extends Error {
  override name = 'PolicyError';
}

function wholeNumber(env: Record<string, string | undefined>, name: string, fallback: number | null, min: number, max: number): number | null {
  const text = env[name];
  if (text === undefined || text === '') return fallback;
  if (text === 'none') return null;
  if (!/^[0-9]+$/.test(text) || Number(text) < min || Number(text) > max) {
    throw new PolicyError(`${name}: expected a whole number from ${min} to ${max}${fallback === null || name.includes('GOAL') ? " or 'none'" : ''}, got '${text}'`);
  }
  return Number(text);
}

/**
 * The policy from the environment (documented in docs/postmortems.md): PAVE_POSTMORTEM_SEVERITIES (comma list, or
 * `none`), PAVE_POSTMORTEM_PAGED (true|false), PAVE_POSTMORTEM_DUE_DAYS (business days), PAVE_INCIDENT_GOAL_TTD,
 * PAVE_INCIDENT_GOAL_TTE, PAVE_INCIDENT_GOAL_TTM (minutes, or `none`). Throws PolicyError naming the variable.
 */
export function postmortemPolicyFromEnv(env: Record<string, string | undefined>): PostmortemPolicy {
  const d = defaultPostmortemPolicy;
  const sev = env.PAVE_POSTMORTEM_SEVERITIES;
  let severities = d.severities;
  if (sev !== undefined && sev !== '') {
    severities = sev === 'none' ? [] : sev.split(',').map((s) => s.trim());
    if (severities.some((s) => !/^[A-Za-z0-9_-]{1,32}$/.test(s))) {
      throw new PolicyError(`PAVE_POSTMORTEM_SEVERITIES: expected a comma-separated list of severities such as SEV1,SEV2 (or 'none'), got '${sev}'`);
    }
  }
  const pagedText = env.PAVE_POSTMORTEM_PAGED;
  if (pagedText !== undefined && pagedText !== '' && pagedText !== 'true' && pagedText !== 'false') {
    throw new PolicyError(`PAVE_POSTMORTEM_PAGED: expected true or false, got '${pagedText}'`);
  }
  const due = env.PAVE_POSTMORTEM_DUE_DAYS;
  if (due !== undefined && due !== '' && (!/^[0-9]+$/.test(due) || Number(due) < 1 || Number(due) > 60)) {
    throw new PolicyError(`PAVE_POSTMORTEM_DUE_DAYS: expected a whole number of business days from 1 to 60, got '${due}'`);
  }
  return {
    severities,
    paged: pagedText === undefined || pagedText === '' ? d.paged : pagedText === 'true',
    dueBusinessDays: due === undefined || due === '' ? d.dueBusinessDays : Number(due),
    goals: {
      ttdMinutes: wholeNumber(env, 'PAVE_INCIDENT_GOAL_TTD', d.goals.ttdMinutes, 1, 100_000),
      tteMinutes: wholeNumber(env, 'PAVE_INCIDENT_GOAL_TTE', d.goals.tteMinutes, 1, 100_000),
      ttmMinutes: wholeNumber(env, 'PAVE_INCIDENT_GOAL_TTM', d.goals.ttmMinutes, 1, 100_000),
    },
  };
}

/** Why an incident needs a postmortem under the policy; empty when it does not. */
export function postmortemReasons(policy: PostmortemPolicy, incident: { severity: string; paged: boolean }): string[] {
  const reasons: string[] = [];
  if (policy.severities.includes(incident.severity)) reasons.push(`severity ${incident.severity} (policy: ${policy.severities.join(', ')})`);
  if (policy.paged && incident.paged) reasons.push('someone was paged');
  return reasons;
}

/** A local calendar date YYYY-MM-DD. */
export type LocalDate = string;

const dateOfWall = (wallMs: number): LocalDate => new Date(wallMs).toISOString().slice(0, 10);

/**
 * The due date `days` business days (Monday to Friday) after `fromMs`, counted in `timeZone`: the day of `fromMs` does
 * not count, so an incident resolved on a Friday (or a Saturday) with 5 days is due the next Friday. `dueAt` is the end
 * of that local day (the next local midnight), the instant after which the postmortem is overdue.
 */
export function businessDaysAfter(fromMs: number, days: number, timeZone: string): { date: LocalDate; dueAt: number } {
  if (!isValidTimeZone(timeZone)) throw new PolicyError(`unknown time zone '${timeZone}'`);
  if (!Number.isSafeInteger(days) || days < 1) throw new PolicyError(`business days must be a whole number ≥ 1, got ${days}`);
  const wall = wallClockAt(fromMs, timeZone);
  let day = Math.floor(wall / DAY_MS) * DAY_MS;
  let left = days;
  while (left > 0) {
    day += DAY_MS;
    const weekday = new Date(day).getUTCDay();
    if (weekday !== 0 && weekday !== 6) left--;
  }
  return { date: dateOfWall(day), dueAt: instantOfWallClock(day + DAY_MS, timeZone) };
}
