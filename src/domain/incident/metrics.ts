// Incident time metrics (REFERENCE §3): TTD = detected − impact start, TTE = engaged − detected, TTF = mitigated −
// engaged, TTM = TTD + TTE + TTF. A metric whose ends are not both known yet is null, and so is TTM unless all three
// are known: an incident nobody engaged has no TTE, TTF or TTM, whatever happened to the impact. An impact mitigated
// before anyone engaged (it healed itself) has no TTF either: a negative fix time would drag every percentile down.

export interface IncidentTimes {
  impactStartAt: number;
  detectedAt: number;
  /** First human response; null while nobody has responded. */
  engagedAt: number | null;
  mitigatedAt: number | null;
}

export interface TimeMetrics {
  ttdMs: number | null;
  tteMs: number | null;
  ttfMs: number | null;
  ttmMs: number | null;
}

const span = (from: number | null, to: number | null): number | null => (from === null || to === null ? null : to - from);

export function timeMetrics(t: IncidentTimes): TimeMetrics {
  const ttdMs = span(t.impactStartAt, t.detectedAt);
  const tteMs = span(t.detectedAt, t.engagedAt);
  const fix = span(t.engagedAt, t.mitigatedAt);
  const ttfMs = fix !== null && fix < 0 ? null : fix;
  const ttmMs = ttdMs === null || tteMs === null || ttfMs === null ? null : ttdMs + tteMs + ttfMs;
  return { ttdMs, tteMs, ttfMs, ttmMs };
}

export type EngagementSource = 'stated' | 'acknowledgement' | 'role';

/**
 * When someone first responded: a time stated by hand wins; otherwise the earliest acknowledgement of a linked page or
 * the earliest role assignment. Responses before detection count from detection (someone acting on a page before
 * the incident's detection time was stated later cannot have engaged before it was visible), so TTE is never negative.
 */
export function engagement(
  detectedAt: number,
  stated: number | null,
  acknowledgements: readonly number[],
  roleJoins: readonly number[],
): { at: number; source: EngagementSource } | null {
  if (stated !== null) return { at: stated, source: 'stated' };
  let best: { at: number; source: EngagementSource } | null = null;
  for (const at of acknowledgements) if (best === null || at < best.at) best = { at, source: 'acknowledgement' };
  for (const at of roleJoins) if (best === null || at < best.at) best = { at, source: 'role' };
  if (best !== null && best.at < detectedAt) best = { at: detectedAt, source: best.source };
  return best;
}
