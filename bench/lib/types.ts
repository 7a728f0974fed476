// The contract between bench/run.ts and each benchmark module.

/** One measured number. `target` is the DESIGN §13 target in words; `ok` says whether this run met it. */
export interface Figure {
  name: string;
  value: number;
  unit: string;
  target?: string;
  ok?: boolean;
}

export interface BenchResult {
  figures: Figure[];
  /** How the figures were obtained (process layout, sizes, caveats): printed under the table and kept in the JSON. */
  notes?: string[];
}

/** A benchmark module exports these three names; add it to the list in bench/run.ts. */
export interface BenchModule {
  name: string;
  /** The target it measures against, in words (e.g. "P5: pave serve ready on an existing data folder ≤ 3 s"). */
  target: string;
  /** How long it may run (default 150 s): set by benchmarks that build large data sets or wait on real time. */
  limitMs?: number;
  run(): Promise<BenchResult>;
}

/** Helper for a figure with a numeric upper bound. */
export function atMost(name: string, value: number, unit: string, limit: number, label = `≤ ${limit} ${unit}`): Figure {
  return { name, value, unit, target: label, ok: value <= limit };
}

/** Helper for a figure with a numeric lower bound. */
export function atLeast(name: string, value: number, unit: string, limit: number, label = `≥ ${limit} ${unit}`): Figure {
  return { name, value, unit, target: label, ok: value >= limit };
}
