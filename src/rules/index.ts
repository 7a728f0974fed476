// `pave rules generate`, pure: catalog objects in, file names and contents out (the CLI writes them). One rule file
// and one promtool test file per SLO with a promql indicator, in name order, the same bytes for the same catalog.

import type { ServiceSpec } from '../config/kinds/service.js';
import type { SloSpec } from '../config/kinds/slo.js';
import type { ConfigObject } from '../domain/objects.js';
import { fileHeader, ruleFileYaml, ruleGroups } from './generate.js';
import { planSloRules, type SloRulePlan } from './model.js';
import { promtoolTests } from './promtool-tests.js';

export interface GeneratedFile {
  /** A file name (no folder): `<slo>.rules.yml` or `<slo>.test.yml`. */
  name: string;
  content: string;
}

export interface RulesOutput {
  /** Per SLO: its rule file, then its test file. */
  files: GeneratedFile[];
  /** Every generated SLO's rules in one file (for standard output). */
  combined: string;
  slos: string[];
  /** SLOs that get no rules, and why (only those with a promql indicator, or named with `only`). */
  skipped: { slo: string; reason: string }[];
  /** Things to know about generated files, e.g. a test file that could not model the PromQL. */
  notes: { slo: string; note: string }[];
}

export interface RulesOptions {
  /** Base URL of pave, for the link annotation. */
  paveUrl: string;
  /** Only these SLOs (names); all promql SLOs when absent. */
  only?: readonly string[];
}

export class RulesError extends Error {
  override name = 'RulesError';
}

export function generateRules(objects: readonly ConfigObject[], options: RulesOptions): RulesOutput {
  const slos = objects.filter((o) => o.kind === 'SLO') as ConfigObject<SloSpec>[];
  const services = new Map(objects.filter((o) => o.kind === 'Service').map((o) => [o.metadata.name, o as ConfigObject<ServiceSpec>]));
  const byName = new Map(slos.map((s) => [s.metadata.name, s]));
  const unknown = (options.only ?? []).filter((n) => !byName.has(n));
  if (unknown.length > 0) throw new RulesError(`no SLO named ${unknown.join(', ')} in the catalog`);
  const wanted = options.only ? [...new Set(options.only)] : slos.filter((s) => s.spec.indicator.promql).map((s) => s.metadata.name);
  const out: RulesOutput = { files: [], combined: '', slos: [], skipped: [], notes: [] };
  const plans: SloRulePlan[] = [];
  for (const name of [...wanted].sort()) {
    const slo = byName.get(name)!;
    const planned = planSloRules(slo, services.get(slo.spec.service), { paveUrl: options.paveUrl });
    if (!planned.ok) {
      out.skipped.push({ slo: name, reason: planned.reason });
      continue;
    }
    const plan = planned.plan;
    plans.push(plan);
    const ruleFile = `${name}.rules.yml`;
    out.files.push({ name: ruleFile, content: ruleFileYaml(ruleGroups(plan), fileHeader([plan])) });
    const tests = promtoolTests(plan, ruleFile);
    out.files.push({ name: `${name}.test.yml`, content: tests.yaml });
    out.notes.push(...tests.notes.map((note) => ({ slo: name, note })));
    out.slos.push(name);
  }
  out.combined = plans.length > 0 ? ruleFileYaml(plans.flatMap(ruleGroups), fileHeader(plans)) : '';
  return out;
}
