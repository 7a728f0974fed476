// Exact per-minute increases of Prometheus counters, from their raw samples (a range-vector query).
//
// Every sample's growth over the previous sample of its series lands in the minute of the sample; a minute [m, m+1)
// collects the samples in (m, m+1 min], the convention of Prometheus' own range selectors. Summed over minutes this is
// the exact growth of the counters (no extrapolation, unlike `increase()`, which scales the growth it sees to the
// window's edges), so a 30-day sum is the sum of what happened.
//   - counter reset (a value below the previous one): the counter restarted from 0, so the growth is the new value;
//   - gap (no samples for a while): the growth since the last sample lands in the minute scraping resumes;
//   - the first sample of a series (no earlier one within the lookback before the range) is its baseline, as in
//     Prometheus: a counter may have started long before, so only growth after it counts.
// A minute has data when any series has a sample in it. Values are rounded to whole events (counters of events are
// integers; a fractional counter is approximated).

const MINUTE_MS = 60_000;

/** One series of a Prometheus matrix result: `[unix seconds, "value"]` pairs in time order. */
export interface MatrixSeries {
  values: readonly (readonly [number, string])[];
}

/** Increases per minute over [fromMs, toMs): events[i] is minute fromMs + i·60 s; hasData[i] = 1 when measured. */
export interface MinuteIncreases {
  fromMs: number;
  events: Float64Array;
  hasData: Uint8Array;
}

/**
 * Sums the per-minute growth of every series over [fromMs, toMs) (both minute-aligned) from raw samples. Samples at
 * or before fromMs serve only as baselines: ask for a few minutes before the range so each series has one.
 */
export function minuteIncreases(series: readonly MatrixSeries[], fromMs: number, toMs: number): MinuteIncreases {
  const minutes = Math.max(0, Math.round((toMs - fromMs) / MINUTE_MS));
  const out: MinuteIncreases = { fromMs, events: new Float64Array(minutes), hasData: new Uint8Array(minutes) };
  for (const s of series) {
    let last: number | null = null;
    for (const [seconds, text] of s.values) {
      const v = Number(text);
      if (!Number.isFinite(v)) continue;
      const t = Math.round(seconds * 1000);
      const i = Math.ceil((t - fromMs) / MINUTE_MS) - 1;
      if (i >= minutes) break;
      if (i >= 0) {
        if (last !== null) out.events[i] = out.events[i]! + (v >= last ? v - last : v);
        out.hasData[i] = 1;
      }
      last = v;
    }
  }
  for (let i = 0; i < minutes; i++) out.events[i] = Math.round(out.events[i]!);
  return out;
}

/** Per-minute values of an expression already counting one minute (`sum(increase(x[1m]))`): the inexact fallback. */
export function minuteValues(series: readonly MatrixSeries[], fromMs: number, toMs: number): MinuteIncreases {
  const minutes = Math.max(0, Math.round((toMs - fromMs) / MINUTE_MS));
  const out: MinuteIncreases = { fromMs, events: new Float64Array(minutes), hasData: new Uint8Array(minutes) };
  for (const s of series) {
    for (const [seconds, text] of s.values) {
      const v = Number(text);
      const i = (Math.round(seconds * 1000) - fromMs) / MINUTE_MS - 1;
      if (!Number.isFinite(v) || !Number.isInteger(i) || i < 0 || i >= minutes) continue;
      out.events[i] = out.events[i]! + v;
      out.hasData[i] = 1;
    }
  }
  for (let i = 0; i < minutes; i++) out.events[i] = Math.max(0, Math.round(out.events[i]!));
  return out;
}
