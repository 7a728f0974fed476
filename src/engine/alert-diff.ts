// Which of an SLO's alerts changed state since they were last recorded. Runs for every SLO every cycle, so it reads
// the measurements directly and allocates nothing; the caller builds alert details only for the few that changed.
import type { SloMeasurements } from '../domain/slo/measurements.js';

/**
 * Compares the measured alert states of `m` with `known` (one byte per tier in the SLO's tier order, then one for the
 * no-data alert; 1 = firing), updates `known`, and appends each change to `changed` as index × 2 + (firing ? 1 : 0).
 * With `holdTiers`, only the no-data alert is compared.
 */
export function diffAlertStates(m: SloMeasurements, known: Uint8Array, changed: number[], options: { holdTiers?: boolean } = {}): void {
  const tiers = m.slo.tiers.length;
  // While the source cannot be read, the windows hold gaps, not good news: tiers keep their state.
  for (let t = 0; t < tiers && !options.holdTiers; t++) {
    const firing = m.tierFiring(t) ? 1 : 0;
    if (firing !== known[t]) {
      known[t] = firing;
      changed.push(t * 2 + firing);
    }
  }
  if (m.slo.noDataAfterMinutes === null) return;
  const firing = m.noDataFiring ? 1 : 0;
  if (firing !== known[tiers]) {
    known[tiers] = firing;
    changed.push(tiers * 2 + firing);
  }
}

/** The known-states array for an SLO, from the recorded state of each alert identity. */
export function knownAlertStates(m: SloMeasurements, isFiring: (alertId: string) => boolean): Uint8Array {
  const ids = [...m.plan.tierIds, m.plan.noDataId];
  return Uint8Array.from(ids, (id) => (isFiring(id) ? 1 : 0));
}
