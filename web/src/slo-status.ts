// A service's budget status is its worst SLO's: exhausted over warning over healthy; pending and invalid show as such.
import type { SloObject } from './types';

const rank: Record<string, number> = { exhausted: 5, invalid: 4, no_data: 3, warning: 2, pending: 1, healthy: 0 };

export function worstStatus(slos: SloObject[]): string {
  if (slos.length === 0) return 'none';
  let worst = 'healthy';
  for (const s of slos) {
    const st = s.summary?.status ?? 'pending';
    if ((rank[st] ?? 1) > (rank[worst] ?? 0)) worst = st;
  }
  return worst;
}
