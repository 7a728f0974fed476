// Silences (maintenance windows), pure: which silence, if any, keeps an alert off a page at an instant. A silence
// matches an alert when every label matcher matches its labels, its routed service is in the silence's services (when
// it names any), and the instant falls inside one of its windows: one-off [start, end), or recurring occurrences
// expanded like SLO corrections (wall-clock time in the silence's zone, so a weekly 02:00 window stays at 02:00
// across DST changes; recurring occurrences are whole minutes).

import { compileMatchers, type Labels } from '../labels.js';
import { correctionOccurrences, isRecurring, type Correction } from '../slo/corrections.js';

export interface Silence {
  /** The Silence object's name: shown on the alerts it keeps off pages. */
  name: string;
  /** Label matchers (domain/labels syntax); all must match. Empty matches every alert. */
  matchers: Readonly<Record<string, string>>;
  /** The routed services it applies to; empty: any service, or none. */
  services: readonly string[];
  /** When it is in force: the same one-off or recurring window a correction has (reason and author included). */
  window: Correction;
}

/** Is `silence` in force at `atMs`? One-off: start ≤ at < end. Recurring: inside an occurrence. */
export function isSilenceActive(silence: Silence, atMs: number): boolean {
  const w = silence.window;
  if (!isRecurring(w)) return w.start <= atMs && atMs < w.end;
  return correctionOccurrences([w], atMs, atMs + 1).length > 0;
}

/** Do the silence's matchers and service scope match this alert (regardless of time)? */
export function silenceMatches(silence: Silence, labels: Readonly<Labels>, service: string | null): boolean {
  if (silence.services.length > 0 && (service === null || !silence.services.includes(service))) return false;
  return compileMatchers({ ...silence.matchers })(labels as Labels);
}

/** The silences in force at `atMs`, by name: compute once per notification, then match each alert. */
export function activeSilences(silences: readonly Silence[], atMs: number): Silence[] {
  return silences.filter((s) => isSilenceActive(s, atMs)).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * The name of the silence that keeps an alert with these labels, routed to `service`, off a page at `atMs`; null
 * when none does. When several match, the first by name.
 */
export function silencedBy(labels: Readonly<Labels>, service: string | null, atMs: number, silences: readonly Silence[]): string | null {
  return activeSilences(silences, atMs).find((s) => silenceMatches(s, labels, service))?.name ?? null;
}
