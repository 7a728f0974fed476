// The SLO evaluation loop: keeps each SLO's minute counts in memory, evaluates every SLO on a schedule (and on
// demand), and records burn-rate and no-data alert transitions for the paging layer.
import type { Kysely } from 'kysely';
import { correctionApplies, toCorrection, type CorrectionSpec } from '../config/kinds/correction.js';
import { dataSourceConnection, type DataSourceSpec } from '../config/kinds/data-source.js';
import { ceilingOf, sloDefinition, type SloSpec } from '../config/kinds/slo.js';
import { catalogView, type ConfigObject } from '../domain/objects.js';
import { indicatorSeriesNames, indicatorTerms, type Term } from '../domain/indicator.js';
import { evaluateComposite, type CompositeEvaluation } from '../domain/slo/composite.js';
import { compileSlo, type CompiledSlo } from '../domain/slo/definition.js';
import { excludedRanges } from '../domain/slo/corrections.js';
import { evaluateSlo, evaluationHorizon, evaluationOf, type SloEvaluation } from '../domain/slo/evaluate.js';
import { SloMeasurements } from '../domain/slo/measurements.js';
import type { TimeRange } from '../domain/slo/ranges.js';
import { periodMinutes, windowAt } from '../domain/time/window.js';
import { listObjects, withoutStatus, type StoredObject } from '../store/objects.js';
import type { Database } from '../store/schema.js';
import { listSeries, readMinutes, type CountRow } from '../store/sli.js';
import { catalogVersion } from '../store/catalog-version.js';
import type { Leadership } from '../store/leadership.js';
import { listAlertStates, recordTransitions } from '../store/slo-alerts.js';
import { diffAlertStates, knownAlertStates } from './alert-diff.js';
import { MissingMinuteDetail } from './compact-series.js';
import { isExact, PrometheusUnavailable, pullMinutes, type PrometheusClientOptions } from './prometheus-source.js';
import { foldMinutes, foldRows, loadArraySeries, SloMinutes, type MinuteReader } from './slo-series.js';

const MINUTE_MS = 60_000;
/** Minutes re-read every cycle before the last one read: counts of the minutes just closed are still arriving. */
const RECENT_MINUTES = 3;

export interface EngineOptions {
  now: () => Date;
  intervalMs: number;
  /** Minutes re-read each cycle so that late data lands (matches ingest's lateness). */
  latenessMs: number;
  onError?: (err: unknown) => void;
  /** Called with the alert transitions each scheduled cycle recorded (the demo prints them). */
  onTransitions?: (changes: AlertChange[]) => void;
  /**
   * Among replicas on one PostgreSQL, only the leader records alert transitions; the others evaluate (so they answer
   * reads) and follow the recorded states. Default: always the leader.
   */
  leadership?: Leadership;
  /** Retries, backoff and fetch for Prometheus data sources. */
  prometheus?: PrometheusClientOptions;
  /**
   * Every this many cycles (default 10: five minutes at 30 s) the whole lateness is re-read for late data; the
   * cycles between re-read the last few minutes. `evaluateNow()` always re-reads the lateness.
   */
  fullReadEvery?: number;
  /** Progress of long pulls from a data source (the backfill of an SLO's window at start), for `pave serve` to show. */
  onBackfill?: (progress: { slo: string; dataSource: string; doneMinutes: number; totalMinutes: number }) => void;
}

interface EngineSlo {
  obj: ConfigObject<SloSpec>;
  compiled: CompiledSlo | null;
  /** Why the SLO cannot be evaluated (compile errors). */
  errors: string[];
  /** Where its minutes come from: the store's series (folded through terms) or a Prometheus data source. */
  read: MinuteReader;
  /** For SLOs over the store's series: how they fold into the SLO's counts (the per-cycle batch read uses them). */
  terms?: Term[];
  /** Identifies what `read` reads: data is kept across catalog changes only while this stays the same. */
  termsKey: string;
  /** A promql SLO's data source, and since when it cannot be read (the SLO then reports no data, never healthy). */
  source?: SloSource;
  data: SloMinutes | null;
  /** Excluded time (corrections) over [from, to): RRULEs are expanded once per two hours, not every cycle. */
  excluded?: { from: number; to: number; ranges: TimeRange[] };
  /** The latest complete measurements, and a spare the next cycle measures into (swapped when complete). */
  current?: SloMeasurements;
  spare?: SloMeasurements;
  /** The report of `current`, built when first asked for. */
  report?: { of: SloMeasurements; at: number; failing: { since: number; message: string } | undefined; evaluation: SloEvaluation };
  /** Alert states as last recorded, one byte (1 = firing) per tier, then one for the no-data alert. */
  alerts?: Uint8Array;
  /** The result the API reads (one object per SLO, kept across cycles). */
  result?: SloResult;
  /** The composite's components, compiled over the composite's window. */
  components?: { name: string; weight: number; compiled: CompiledSlo; read: MinuteReader; data: SloMinutes | null; excluded?: { from: number; to: number; ranges: TimeRange[] } }[];
}

export type SloResult =
  | { kind: 'simple'; name: string; readonly evaluation: SloEvaluation; clampedMinutes: number; source?: SloSource }
  | { kind: 'composite'; name: string; at: number; periodMinutes: number; evaluation: CompositeEvaluation; components: SloEvaluation[] }
  | { kind: 'invalid'; name: string; errors: string[] };

/** Where a promql SLO's data comes from: its data source, whether counts are exact, and since when it is unreadable. */
export interface SloSource {
  dataSource: string;
  exact: boolean;
  failing?: { since: number; message: string };
}

export interface AlertChange {
  alertId: string;
  slo: string;
  kind: 'burn' | 'no_data';
  severity: string;
  state: 'firing' | 'resolved';
  at: Date;
  details: Record<string, unknown>;
}

export class SloEngine {
  private slos = new Map<string, EngineSlo>();
  private results = new Map<string, SloResult>();
  private alertState = new Map<string, 'firing' | 'resolved'>();
  private alertStatesLoaded = false;
  private cycles = 0;
  private forceFullRead = false;
  /** Scratch for diffAlertStates. */
  private changed: number[] = [];
  private catalogKey = '';
  private catalogVersion = '';
  private ceilings = new Map<string, ReturnType<typeof ceilingOf>>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  /** The last cycle: its total time, the store reads' share and the evaluation's (SLI, budgets, burn rates, alerts). */
  lastCycle: { at: string; role: 'leader' | 'standby'; durationMs: number; loadMs: number; evaluateMs: number; slos: number } | null = null;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly opts: EngineOptions,
  ) {}

  /** Re-reads SLOs, corrections and series when any of them changed. */
  private async refresh(): Promise<void> {
    // One cheap query each cycle; the catalog and series are read only when it changes.
    const version = await catalogVersion(this.db, ['SLO', 'Correction', 'Service', 'DataSource']);
    if (version === this.catalogVersion) return;
    this.catalogVersion = version;
    const [sloObjs, corrObjs, serviceObjs, sourceObjs, series] = await Promise.all([
      listObjects(this.db, 'SLO'),
      listObjects(this.db, 'Correction'),
      listObjects(this.db, 'Service'),
      listObjects(this.db, 'DataSource'),
      listSeries(this.db),
    ]);
    const generations = (objs: StoredObject[]) => objs.map((o) => [o.metadata.name, o.status.generation]);
    const key = JSON.stringify([generations(sloObjs), generations(corrObjs), generations(serviceObjs), generations(sourceObjs), series.length]);
    const sources = new Map((sourceObjs as unknown as ConfigObject<DataSourceSpec>[]).map((o) => [o.metadata.name, o.spec]));
    if (key === this.catalogKey) return;
    this.catalogKey = key;
    // Dependency ceilings depend on services and SLOs only: computed here, once per catalog change, not per request.
    const catalog = catalogView([...sloObjs, ...serviceObjs].map(withoutStatus));
    this.ceilings = new Map(sloObjs.map((o) => [o.metadata.name, ceilingOf(o as unknown as ConfigObject<SloSpec>, catalog)]));
    const corrections = corrObjs as unknown as ConfigObject<CorrectionSpec>[];
    // Series grouped by name once: each SLO then looks at the series of its own names, not at every series.
    const seriesByName = new Map<string, typeof series>();
    for (const s of series) {
      const list = seriesByName.get(s.name);
      if (list) list.push(s);
      else seriesByName.set(s.name, [s]);
    }
    const next = new Map<string, EngineSlo>();
    const objs = sloObjs as unknown as ConfigObject<SloSpec>[];
    for (const obj of objs) {
      const applicable = corrections.filter((c) => correctionApplies(c.spec, obj.metadata.name, obj.spec.service)).map(toCorrection);
      const compiled = compileSlo(sloDefinition(obj, applicable));
      const names = new Set(indicatorSeriesNames(obj.spec.indicator));
      const terms = indicatorTerms(obj.spec.indicator, [...names].flatMap((n) => seriesByName.get(n) ?? []));
      let termsKey = JSON.stringify(terms);
      let read: MinuteReader = (from, to) => foldMinutes(this.db, terms, from, to);
      let source: EngineSlo['source'];
      const errors = compiled.ok ? [] : [...compiled.errors];
      const promql = obj.spec.indicator.promql;
      if (promql) {
        const spec = sources.get(promql.dataSource);
        if (!spec) errors.push(`indicator.promql.dataSource: no DataSource named ${promql.dataSource}`);
        else {
          const { connection, missing } = dataSourceConnection(spec, process.env);
          if (missing.length) errors.push(`DataSource ${promql.dataSource}: environment variable ${missing.join(', ')} is not set (headersFromEnv)`);
          const slo = obj.metadata.name;
          // Only pulls of more than a day (the backfill) report progress: the per-cycle pulls are a few minutes.
          const progress = (doneMinutes: number, totalMinutes: number) => {
            if (totalMinutes > 2 * 1_440) this.opts.onBackfill?.({ slo, dataSource: promql.dataSource, doneMinutes, totalMinutes });
          };
          read = (from, to) => pullMinutes(connection, promql, from, to, this.opts.prometheus, progress);
          termsKey = JSON.stringify([promql, connection.url, Object.keys(connection.headers).sort()]);
          source = { dataSource: promql.dataSource, exact: isExact(promql) };
        }
      }
      // A latency threshold must be a bucket bound, or the count of good requests is unknowable (not zero).
      const lat = obj.spec.indicator.latency;
      if (lat && terms.some((t) => t.into === 'total') && !terms.some((t) => t.into === 'good')) {
        const bound = (le: string) => (le === '+Inf' ? Infinity : Number(le));
        const bounds = [...new Set(series.filter((s) => s.name === lat.series && s.labels.le !== undefined).map((s) => s.labels.le!))].sort((a, b) => bound(a) - bound(b));
        errors.push(`indicator.latency.threshold: ${lat.threshold} is not a bucket bound of ${lat.series} (its bounds: ${bounds.join(', ')}): pick one of them so the count is exact`);
      }
      const prev = this.slos.get(obj.metadata.name);
      const keep = prev && prev.termsKey === termsKey && prev.data && compiled.ok && JSON.stringify(prev.compiled?.window) === JSON.stringify(compiled.slo.window);
      next.set(obj.metadata.name, {
        obj,
        compiled: compiled.ok && errors.length === 0 ? compiled.slo : null,
        errors,
        read,
        terms: promql ? undefined : terms,
        termsKey,
        source,
        data: keep ? prev.data : null,
      });
    }
    // Composites: each component measured over the composite's own window.
    for (const e of next.values()) {
      const comp = e.obj.spec.indicator.composite;
      if (!comp || !e.compiled) continue;
      e.components = [];
      for (const c of comp.components) {
        const part = next.get(c.slo);
        if (!part) continue;
        // Measured over the composite's window, with the component's own corrections and the composite's.
        const corrections = [...(part.compiled?.corrections ?? []), ...e.compiled.corrections];
        const def = { ...sloDefinition(part.obj, corrections), window: sloDefinition(e.obj).window };
        const compiled = compileSlo(def);
        if (!compiled.ok) continue;
        e.components.push({ name: c.slo, weight: c.weight, compiled: compiled.slo, read: part.read, data: null });
      }
    }
    this.slos = next;
    for (const name of this.results.keys()) if (!next.has(name)) this.results.delete(name);
  }

  private async sync(data: SloMinutes | null, read: MinuteReader, compiled: CompiledSlo, nowMs: number): Promise<SloMinutes> {
    const horizon = evaluationHorizon(compiled, nowMs);
    const end = Math.floor(nowMs / MINUTE_MS) * MINUTE_MS + MINUTE_MS;
    if (!data || data.startMs > horizon.start) {
      const fresh = new SloMinutes(read, compiled, horizon.start, end, this.opts.latenessMs);
      await fresh.load(horizon.start, end);
      return fresh;
    }
    const from = Math.max(data.startMs, data.endMs - MINUTE_MS - this.opts.latenessMs);
    await data.load(Math.floor(from / MINUTE_MS) * MINUTE_MS, end);
    data.trim(horizon.start);
    return data;
  }

  /**
   * Brings SLOs over the store's series up to `nowMs` with one read for all of them: the minutes since each SLO's last
   * read, from a little before it (RECENT_MINUTES: data of the minutes just closed is still arriving); on a full read
   * (every `fullReadEvery` cycles, and when asked to evaluate now) the whole lateness instead, so late data lands.
   */
  private async syncBatch(batch: { e: EngineSlo; horizonStart: number }[], nowMs: number, full: boolean): Promise<void> {
    if (batch.length === 0) return;
    const end = Math.floor(nowMs / MINUTE_MS) * MINUTE_MS + MINUTE_MS;
    const back = full ? this.opts.latenessMs : RECENT_MINUTES * MINUTE_MS;
    const fromOf = (e: EngineSlo) => Math.floor(Math.max(e.data!.startMs, e.data!.endMs - MINUTE_MS - back) / MINUTE_MS) * MINUTE_MS;
    // A loop, not Math.min(...): spreading tens of thousands of arguments overflows the call stack.
    let from = end;
    for (const { e } of batch) from = Math.min(from, fromOf(e));
    const ids = [...new Set(batch.flatMap(({ e }) => e.terms!.map((t) => t.seriesId)))];
    const rows = await readMinutes(this.db, ids, from, end);
    const bySeries = new Map<string, CountRow[]>();
    for (const r of rows) {
      const list = bySeries.get(r.seriesId);
      if (list) list.push(r);
      else bySeries.set(r.seriesId, [r]);
    }
    for (const { e, horizonStart } of batch) {
      const f = fromOf(e);
      const own = [...new Set(e.terms!.map((t) => t.seriesId))].flatMap((id) => bySeries.get(id) ?? []);
      e.data!.apply(foldRows(e.terms!, own, f, end), f, end);
      e.data!.trim(horizonStart);
    }
  }

  /**
   * Brings a simple SLO's counts up to `nowMs`. A Prometheus that cannot be reached (after retries) leaves the new
   * minutes without data and marks the SLO failing: it then reports no data, never a stale "healthy", and the gap is
   * pulled again once Prometheus answers (its data is still there).
   */
  private async syncSimple(e: EngineSlo, nowMs: number): Promise<void> {
    try {
      e.data = await this.sync(e.data, e.read, e.compiled!, nowMs);
      if (e.source?.failing) {
        // Pull the whole gap again: the usual re-read covers only the lateness.
        const gapFrom = Math.floor(e.source.failing.since / MINUTE_MS) * MINUTE_MS - MINUTE_MS;
        await e.data.load(Math.max(e.data.startMs, gapFrom), Math.floor(nowMs / MINUTE_MS) * MINUTE_MS + MINUTE_MS);
        e.source.failing = undefined;
      }
    } catch (err) {
      if (!e.source || !(err instanceof PrometheusUnavailable)) throw err;
      e.source.failing ??= { since: nowMs, message: err.message };
      e.source.failing.message = err.message;
      if (e.data) e.data.advanceTo(Math.floor(nowMs / MINUTE_MS) * MINUTE_MS + MINUTE_MS);
      this.opts.onError?.(err);
    }
  }

  /** Excluded time over the horizon, cached: RRULEs are expanded once per two hours, not every cycle. */
  private excludedFor(e: { compiled: CompiledSlo | null; excluded?: { from: number; to: number; ranges: TimeRange[] } }, nowMs: number): TimeRange[] {
    const horizon = evaluationHorizon(e.compiled!, nowMs);
    if (!e.excluded || e.excluded.from > horizon.start || e.excluded.to < horizon.end + 60 * MINUTE_MS) {
      const to = horizon.end + 2 * 60 * MINUTE_MS;
      e.excluded = { from: horizon.start, to, ranges: excludedRanges(e.compiled!.corrections, horizon.start, to) };
    }
    return e.excluded.ranges;
  }

  /** Evaluates one SLO over its held counts, loading minute detail the evaluation needs. */
  private async evaluateOver(data: SloMinutes, compiled: CompiledSlo, nowMs: number, excluded: TimeRange[]): Promise<SloEvaluation> {
    await data.prepare(nowMs, excluded);
    return data.withDetail((series) => evaluateSlo(compiled, series, nowMs, { excluded }));
  }

  /** A composite: its components evaluated over its window, then combined (few SLOs are composites). */
  private async evaluateComposite(e: EngineSlo, nowMs: number): Promise<SloResult> {
    const name = e.obj.metadata.name;
    const parts: SloEvaluation[] = [];
    for (const c of e.components ?? []) {
      c.data = await this.sync(c.data, c.read, c.compiled, nowMs);
      parts.push(await this.evaluateOver(c.data, c.compiled, nowMs, this.excludedFor(c, nowMs)));
    }
    const compiled = e.compiled!;
    const P = periodMinutes(windowAt(compiled.window, nowMs));
    const evaluation = evaluateComposite(
      compiled.objective,
      parts.map((p, i) => ({
        name: p.name,
        weight: e.components![i]!.weight,
        sli: p.sli,
        errorRatios: Object.fromEntries(p.burnRates.map((b) => [b.label, b.errorRatio])),
      })),
      { periodMinutes: P, warningBelow: compiled.warningBelow },
    );
    return { kind: 'composite', name, at: Math.floor(nowMs / MINUTE_MS) * MINUTE_MS, periodMinutes: P, evaluation, components: parts };
  }

  /**
   * Measures a simple SLO into its spare record and swaps it in; synchronous unless minute detail the plan missed
   * must be loaded first. Allocates nothing in the usual case: this runs for every SLO every cycle.
   */
  private async measure(e: EngineSlo, nowMs: number): Promise<SloMeasurements> {
    const compiled = e.compiled!;
    const data = e.data!;
    const excluded = this.excludedFor(e, nowMs);
    if (!data.plannedAt(nowMs)) await data.prepare(nowMs, excluded);
    const m = (e.spare ??= new SloMeasurements(compiled));
    try {
      m.measure(data.series, nowMs, excluded);
    } catch (err) {
      if (!(err instanceof MissingMinuteDetail)) throw err;
      await data.withDetail((series) => m.measure(series, nowMs, excluded));
    }
    e.spare = e.current;
    e.current = m;
    return m;
  }

  /** The report of an SLO's current measurements, built once per cycle and only when asked for. */
  private reportOf(e: EngineSlo): SloEvaluation {
    const m = e.current!;
    const failing = e.source?.failing;
    if (e.report?.of !== m || e.report.at !== m.at || e.report.failing !== failing) {
      const evaluation = evaluationOf(m);
      if (failing) {
        // What is held may look fine; what is happening now is unknown.
        evaluation.status = 'no_data';
        evaluation.statusReason = `data source ${e.source!.dataSource} cannot be read since ${new Date(failing.since).toISOString()}: ${failing.message}`;
      }
      e.report = { of: m, at: m.at, failing, evaluation };
    }
    return e.report.evaluation;
  }

  private simpleResult(e: EngineSlo): SloResult {
    const report = () => this.reportOf(e);
    return {
      kind: 'simple',
      name: e.obj.metadata.name,
      get evaluation() {
        return report();
      },
      get clampedMinutes() {
        return e.data?.clamped ?? 0;
      },
      get source() {
        return e.source;
      },
    };
  }

  /** Records the SLO's alerts whose state changed, with details (built only for those). */
  private diffAlerts(e: EngineSlo, m: SloMeasurements, changes: AlertChange[]): void {
    e.alerts ??= knownAlertStates(m, (id) => this.alertState.get(id) === 'firing');
    this.changed.length = 0;
    diffAlertStates(m, e.alerts, this.changed, { holdTiers: e.source?.failing !== undefined });
    if (this.changed.length === 0) return;
    const report = this.reportOf(e);
    const service = e.obj.spec.service;
    const at = new Date(m.at);
    for (const code of this.changed) {
      const i = code >> 1;
      const state = code & 1 ? 'firing' : 'resolved';
      if (i < report.tiers.length) {
        const t = report.tiers[i]!;
        changes.push({ alertId: t.id, slo: report.name, kind: 'burn', severity: t.severity, state, at, details: { ...t, service } });
      } else {
        const nd = report.noData!;
        changes.push({ alertId: nd.id, slo: report.name, kind: 'no_data', severity: 'page', state, at, details: { ...nd, service } });
      }
    }
  }

  /** Drops the alert states held, so the next cycle diffs against those recorded in the store. */
  private forgetAlertStates(): void {
    this.alertState.clear();
    this.alertStatesLoaded = false;
    for (const e of this.slos.values()) e.alerts = undefined;
  }

  /** Evaluates every SLO at `now`, records alert transitions, and returns what changed. */
  async cycle(): Promise<AlertChange[]> {
    const started = performance.now();
    const now = this.opts.now();
    const nowMs = now.getTime();
    if (!this.alertStatesLoaded) {
      for (const a of await listAlertStates(this.db)) this.alertState.set(a.alertId, a.state);
      this.alertStatesLoaded = true;
    }
    await this.refresh();
    // Data first (store reads), then the evaluation, which is arithmetic over what is held.
    const full = this.forceFullRead || this.cycles % (this.opts.fullReadEvery ?? 10) === 0;
    this.forceFullRead = false;
    this.cycles++;
    const batch: { e: EngineSlo; horizonStart: number }[] = [];
    for (const e of this.slos.values()) {
      if (!e.compiled || e.components) continue;
      // SLOs over the store's series that already hold their window are brought up to date together, below.
      const horizonStart = evaluationHorizon(e.compiled, nowMs).start;
      if (e.terms && e.data && e.data.startMs <= horizonStart) batch.push({ e, horizonStart });
      else await this.syncSimple(e, nowMs);
    }
    await this.syncBatch(batch, nowMs, full);
    const loaded = performance.now();
    const changes: AlertChange[] = [];
    for (const e of this.slos.values()) {
      const name = e.obj.metadata.name;
      if (!e.compiled) {
        this.results.set(name, { kind: 'invalid', name, errors: e.errors });
      } else if (e.components) {
        this.results.set(name, await this.evaluateComposite(e, nowMs));
      } else {
        const m = await this.measure(e, nowMs);
        this.diffAlerts(e, m, changes);
        this.results.set(name, (e.result ??= this.simpleResult(e)));
      }
    }
    const evaluated = performance.now();
    const leading = (await this.opts.leadership?.hold()) ?? true;
    if (leading) {
      try {
        await recordTransitions(this.db, changes);
      } catch (err) {
        this.forgetAlertStates();
        throw err;
      }
      for (const c of changes) this.alertState.set(c.alertId, c.state);
    } else {
      // Another replica records transitions: follow the states it recorded, re-read at the next cycle.
      this.forgetAlertStates();
      changes.length = 0;
    }
    this.lastCycle = {
      at: now.toISOString(),
      role: leading ? 'leader' : 'standby',
      durationMs: performance.now() - started,
      loadMs: loaded - started,
      evaluateMs: evaluated - loaded,
      slos: this.slos.size,
    };
    return changes;
  }

  /** The latest result for one SLO, evaluating now when it has none yet. */
  async result(name: string): Promise<SloResult | undefined> {
    if (!this.results.has(name)) await this.runOnce();
    return this.results.get(name);
  }

  /** The SLO's dependency ceiling (null when its hard dependencies have no availability SLOs). */
  ceiling(name: string): ReturnType<typeof ceilingOf> {
    return this.ceilings.get(name) ?? null;
  }

  allResults(): SloResult[] {
    return [...this.results.values()];
  }

  /** Evaluates the SLO at each of `times` (for history charts), reading older data from the store as needed. */
  async history(name: string, times: number[]): Promise<SloEvaluation[] | undefined> {
    await this.refresh();
    const e = this.slos.get(name);
    if (!e?.compiled || e.components || times.length === 0) return undefined;
    const first = evaluationHorizon(e.compiled, Math.min(...times)).start;
    const last = Math.floor(Math.max(...times) / MINUTE_MS) * MINUTE_MS + MINUTE_MS;
    const series = await loadArraySeries(e.read, first, last);
    return times.map((t) => evaluateSlo(e.compiled!, series, t));
  }

  /** A cycle that starts after any in progress and re-reads the whole lateness (`POST /api/v1/slos/evaluate`). */
  async evaluateNow(): Promise<void> {
    await this.running;
    this.forceFullRead = true;
    await this.runOnce();
  }

  /** One cycle, never two at once. */
  runOnce(): Promise<void> {
    this.running ??= this.cycle()
      .then((changes) => {
        if (changes.length) this.opts.onTransitions?.(changes);
      })
      .catch((err: unknown) => this.opts.onError?.(err))
      .finally(() => {
        this.running = undefined;
      });
    return this.running;
  }

  start(): void {
    if (this.timer) return;
    void this.runOnce();
    this.timer = setInterval(() => void this.runOnce(), this.opts.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
    await this.opts.leadership?.release();
  }
}
