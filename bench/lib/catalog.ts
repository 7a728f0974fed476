// A realistic, deterministic synthetic catalog: people, teams and services with dependencies, as YAML files.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { applyFiles, type ApplyResult } from '../../src/catalog/apply.js';
import type { SourceFile } from '../../src/config/source.js';
import { openStore } from '../../src/store/store.js';
import { createToken } from '../../src/store/tokens.js';
import { rng } from './stats.js';

export interface CatalogSize {
  people: number;
  teams: number;
  services: number;
}

export const defaultSize: CatalogSize = { people: 300, teams: 50, services: 1000 };

interface Doc {
  apiVersion: 'pave/v1';
  kind: 'Person' | 'Team' | 'Service';
  metadata: { name: string; labels?: Record<string, string> };
  spec: Record<string, unknown>;
}

export interface Catalog {
  size: CatalogSize;
  files: SourceFile[];
  serviceNames: string[];
  /** Total objects (people + teams + services). */
  objects: number;
  /** The same catalog with `fraction` of the services changed (description, tier, a label, or a soft dependency). */
  modified(fraction: number, revision: number): SourceFile[];
}

const firstNames = ['ada', 'ben', 'cleo', 'dev', 'eli', 'fay', 'gus', 'ines', 'jon', 'kai', 'lea', 'max', 'nia', 'omar', 'pia', 'raj', 'sam', 'tia', 'uma', 'vic'];
const lastNames = ['ito', 'kim', 'lopez', 'moreau', 'nowak', 'okoro', 'park', 'quinn', 'rossi', 'silva', 'tanaka', 'ueda', 'vogel', 'wong', 'yilmaz'];
const zones: [string, string][] = [
  ['Europe/Paris', 'paris'], ['Europe/London', 'london'], ['Europe/Berlin', 'berlin'], ['America/New_York', 'new-york'],
  ['America/Los_Angeles', 'san-francisco'], ['Asia/Singapore', 'singapore'], ['Asia/Tokyo', 'tokyo'], ['Australia/Sydney', 'sydney'],
];
const domains = ['commerce', 'identity', 'search', 'media', 'logistics', 'payments', 'growth', 'data', 'platform', 'messaging'];
const nouns = ['api', 'gateway', 'worker', 'indexer', 'scheduler', 'store', 'cache', 'router', 'ledger', 'feed', 'profile', 'auth', 'export', 'billing', 'notifier', 'catalog', 'pricing', 'ranker', 'sync', 'proxy'];

function pick<T>(r: () => number, xs: readonly T[]): T {
  return xs[Math.floor(r() * xs.length)]!;
}

function yamlFile(name: string, docs: Doc[]): SourceFile {
  return { name, content: docs.map((d) => stringify(d, { lineWidth: 0 })).join('---\n') };
}

/** Generates the catalog. Dependencies only point to services generated earlier, so hard dependencies form no cycle. */
export function generateCatalog(size: CatalogSize = defaultSize, seed = 42): Catalog {
  const r = rng(seed);
  const people: Doc[] = [];
  for (let i = 0; i < size.people; i++) {
    const first = firstNames[i % firstNames.length]!;
    const last = lastNames[Math.floor(i / firstNames.length) % lastNames.length]!;
    const name = `${first}-${last}-${i}`;
    const [timezone, site] = pick(r, zones);
    const contacts: Record<string, string>[] = [{ type: 'email', address: `${name}@example.com` }];
    if (r() < 0.3) contacts.push({ type: 'webhook', url: `https://hooks.example.com/people/${name}` });
    if (r() < 0.2) contacts.push({ type: 'sms', number: `+3361${String(1_000_000 + i).padStart(7, '0')}` });
    people.push({ apiVersion: 'pave/v1', kind: 'Person', metadata: { name }, spec: { displayName: `${first} ${last} ${i}`, timezone, site, contacts } });
  }

  const teams: Doc[] = [];
  const perTeam = Math.max(1, Math.floor(size.people / size.teams));
  for (let t = 0; t < size.teams; t++) {
    const domain = domains[t % domains.length]!;
    const name = `${domain}-team-${t}`;
    const members = people.slice(t * perTeam, (t + 1) * perTeam).map((p) => p.metadata.name);
    teams.push({
      apiVersion: 'pave/v1',
      kind: 'Team',
      metadata: { name, labels: { domain } },
      spec: { displayName: `${domain} squad ${t}`, members, chat: `#${name}`, email: `${name}@example.com` },
    });
  }

  const services: Doc[] = [];
  const tierOf = () => {
    const x = r();
    return x < 0.15 ? 'critical' : x < 0.65 ? 'important' : 'best-effort';
  };
  for (let s = 0; s < size.services; s++) {
    const team = teams[Math.floor(r() * teams.length)]!;
    const domain = team.metadata.labels!.domain!;
    const name = `${domain}-${pick(r, nouns)}-${s}`;
    const dependsOn: { service: string; kind: string }[] = [];
    const wanted = s === 0 ? 0 : Math.min(s, Math.floor(r() * 5)); // 0–4
    const chosen = new Set<number>();
    for (let k = 0; k < wanted * 3 && chosen.size < wanted; k++) chosen.add(Math.floor(r() * s));
    for (const d of chosen) dependsOn.push({ service: services[d]!.metadata.name, kind: r() < 0.6 ? 'hard' : 'soft' });
    const spec: Record<string, unknown> = {
      owner: team.metadata.name,
      description: `The ${name.replace(/-\d+$/, '').replace('-', ' ')} service of the ${domain} domain.`,
      tier: tierOf(),
      lifecycle: r() < 0.9 ? 'production' : pick(r, ['experimental', 'deprecated']),
      dependsOn,
    };
    if (r() < 0.5) spec.links = [{ title: 'Dashboard', url: `https://grafana.example.com/d/${name}` }];
    if (r() < 0.7) spec.runbook = `https://runbooks.example.com/${name}`;
    if (r() < 0.6) spec.repository = `https://git.example.com/${domain}/${name}`;
    services.push({ apiVersion: 'pave/v1', kind: 'Service', metadata: { name, labels: { domain, team: team.metadata.name } }, spec });
  }

  // One file for people, one for teams, one per team for its services: how a real repository tends to be laid out.
  const build = (svcs: Doc[]): SourceFile[] => {
    const byTeam = new Map<string, Doc[]>();
    for (const s of svcs) {
      const owner = s.spec.owner as string;
      byTeam.set(owner, [...(byTeam.get(owner) ?? []), s]);
    }
    return [
      yamlFile('catalog/people.yaml', people),
      yamlFile('catalog/teams.yaml', teams),
      ...[...byTeam.entries()].map(([team, docs]) => yamlFile(`catalog/services/${team}.yaml`, docs)),
    ];
  };

  const modified = (fraction: number, revision: number): SourceFile[] => {
    const mr = rng(seed * 1000 + revision);
    const count = Math.round(services.length * fraction);
    const idx = new Set<number>();
    for (let k = 0; k < count * 10 && idx.size < count; k++) idx.add(Math.floor(mr() * services.length));
    const changed = services.map((s, i) => {
      if (!idx.has(i)) return s;
      const copy: Doc = structuredClone(s);
      switch (i % 4) {
        case 0:
          copy.spec.description = `${String(s.spec.description)} Revision ${revision}.`;
          break;
        case 1:
          copy.spec.tier = s.spec.tier === 'critical' ? 'important' : 'critical';
          copy.spec.description = `${String(s.spec.description)} Re-tiered in revision ${revision}.`;
          break;
        case 2:
          copy.metadata.labels = { ...copy.metadata.labels, revision: String(revision) };
          break;
        default: {
          // A soft dependency on an earlier service (or a description change for the first one).
          if (i === 0) copy.spec.description = `Revision ${revision}.`;
          else {
            const deps = copy.spec.dependsOn as { service: string; kind: string }[];
            const target = services[(revision * 7 + i) % i]!.metadata.name;
            copy.spec.dependsOn = [...deps.filter((d) => d.service !== target), { service: target, kind: 'soft' }];
            copy.spec.description = `${String(s.spec.description)} Dependency added in revision ${revision}.`;
          }
        }
      }
      return copy;
    });
    return build(changed);
  };

  return {
    size,
    files: build(services),
    serviceNames: services.map((s) => s.metadata.name),
    objects: people.length + teams.length + services.length,
    modified,
  };
}

export const benchPrincipal = { actor: 'bench:catalog', role: 'admin' as const };

/** Applies and throws unless the apply succeeded. */
export function expectApplied(result: ApplyResult, what: string): ApplyResult {
  if (result.outcome !== 'applied') {
    const issues = result.issues.filter((i) => i.severity === 'error').slice(0, 5);
    throw new Error(`${what}: outcome ${result.outcome}: ${JSON.stringify(issues.length ? issues : result.denied.slice(0, 5))}`);
  }
  return result;
}

export interface PreparedDataDir {
  /** The temp root; the PGlite data folder is `${root}/data`. */
  root: string;
  dataDir: string;
  catalog: Catalog;
  adminToken: string;
  cleanup(): void;
}

/** A fresh PGlite data folder in a temp dir with the catalog applied and an admin token; the store is closed again. */
export async function prepareDataDir(catalog = generateCatalog()): Promise<PreparedDataDir> {
  const root = mkdtempSync(join(tmpdir(), 'pave-bench-'));
  const dataDir = join(root, 'data');
  const cleanup = () => rmSync(root, { recursive: true, force: true });
  try {
    const store = await openStore({ dataDir });
    try {
      expectApplied(await applyFiles(store.db, { files: catalog.files, prune: false, dryRun: false, principal: benchPrincipal }), 'prepare');
      const { token } = await createToken(store.db, { name: 'bench', role: 'admin', createdBy: 'bench' });
      return { root, dataDir, catalog, adminToken: token, cleanup };
    } finally {
      await store.close();
    }
  } catch (err) {
    cleanup();
    throw err;
  }
}
