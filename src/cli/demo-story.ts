// What the demo's responders do during its outage, through the real API (app.inject with the demo's admin token), so
// a newcomer watches the whole loop without typing: the page becomes an incident, checkout's deploys are held by the
// error budget, the incident is mitigated and resolved, and its postmortem draft is prefilled from the SLO data.
//
// Timeline (minutes from the outage's start): the first page for checkout is promoted to a SEV2 incident as soon as
// it exists; at outage end + 1 the incident is mitigated (back-dated to the outage's end) and a deploy of checkout is
// checked against the budget policy; at outage end + 2 it is resolved and its postmortem draft is started.
import type { FastifyInstance } from 'fastify';

export interface DemoStoryOptions {
  app: FastifyInstance;
  token: string;
  /** Where the outage's minutes start and end (ms). */
  outageStartMs: number;
  outageEndMs: number;
  service: string;
  schedule: string;
  print: (line: string) => void;
  now?: () => number;
  pollMs?: number;
}

export interface DemoStory {
  stop(): void;
}

type Step = 'wait_for_page' | 'wait_for_mitigation' | 'wait_for_resolution' | 'done';

interface Answer<T> {
  status: number;
  body: T;
}

export function startDemoStory(o: DemoStoryOptions): DemoStory {
  const now = o.now ?? Date.now;
  let step: Step = 'wait_for_page';
  let incidentId: string | undefined;
  let stopped = false;
  let running = false;

  const call = async <T>(method: 'GET' | 'POST' | 'PATCH', url: string, payload?: unknown): Promise<Answer<T>> => {
    const r = await o.app.inject({ method, url, headers: { authorization: `Bearer ${o.token}` }, ...(payload === undefined ? {} : { payload: payload as object }) });
    return { status: r.statusCode, body: (r.body ? JSON.parse(r.body) : null) as T };
  };
  const must = <T>(a: Answer<T>, what: string): T => {
    if (a.status >= 300) throw new Error(`${what}: HTTP ${a.status} ${JSON.stringify(a.body).slice(0, 300)}`);
    return a.body;
  };
  const iso = (ms: number) => new Date(ms).toISOString();
  const time = () => `${iso(now()).slice(11, 19)}Z`;

  async function declare(): Promise<void> {
    const pages = must(await call<{ items: { id: string; service: string | null; createdAt: string }[] }>('GET', `/api/v1/pages?limit=20`), 'pages');
    const page = pages.items.find((p) => p.service === o.service && Date.parse(p.createdAt) >= o.outageStartMs);
    if (!page) return;
    const oncall = await call<{ items?: { schedule: string; person: string | null }[] }>('GET', `/api/v1/oncall?schedule=${encodeURIComponent(o.schedule)}`);
    const commander = oncall.body?.items?.find((x) => x.schedule === o.schedule)?.person ?? undefined;
    const incident = must(
      await call<{ id: string; title: string }>('POST', `/api/v1/pages/${page.id}/incident`, {
        severity: 'SEV2',
        impactStartAt: iso(o.outageStartMs),
        ...(commander ? { roles: { commander } } : {}),
        note: 'Declared by the pave demo from the burn-rate page: checkout requests fail.',
      }),
      'declare',
    );
    incidentId = incident.id;
    o.print(`${time()}  INCIDENT ${incident.id} declared from page ${page.id} (SEV2${commander ? `, commander ${commander}` : ''}): ${incident.title}`);
    o.print(`           npx pave incident show ${incident.id}    # times, roles, timeline; /status shows it publicly`);
    step = 'wait_for_mitigation';
  }

  async function mitigate(): Promise<void> {
    if (now() < o.outageEndMs + 60_000) return;
    must(await call('PATCH', `/api/v1/incidents/${incidentId}`, { status: 'monitoring', mitigatedAt: iso(o.outageEndMs), reason: 'checkout answers again; watching the error rate' }), 'mitigate');
    o.print(`${time()}  INCIDENT ${incidentId} monitoring: mitigated at ${iso(o.outageEndMs)}`);
    const gate = must(
      await call<{ decision: string; summary: string }>('POST', '/api/v1/gates/check', { service: o.service, version: '2.4.0', kind: 'deploy' }),
      'gate check',
    );
    o.print(`${time()}  GATE     deploy of ${o.service} 2.4.0: ${gate.decision.toUpperCase()} (${gate.summary})`);
    o.print(`           npx pave gate check ${o.service} --version 2.4.0     # exit 1 while frozen; --kind fix goes through`);
    step = 'wait_for_resolution';
  }

  async function resolve(): Promise<void> {
    if (now() < o.outageEndMs + 120_000) return;
    must(await call('PATCH', `/api/v1/incidents/${incidentId}`, { status: 'resolved', reason: 'error rate back to normal for a minute' }), 'resolve');
    o.print(`${time()}  INCIDENT ${incidentId} resolved`);
    const pm = must(await call<{ impact?: { slo: string; budgetConsumedFraction: number }[] }>('POST', `/api/v1/incidents/${incidentId}/postmortem`), 'postmortem');
    const impact = (pm.impact ?? []).map((i) => `${i.slo} ${(i.budgetConsumedFraction * 100).toFixed(1)}% of its budget`).join(', ');
    o.print(`${time()}  POSTMORTEM draft for incident ${incidentId}${impact ? `: the outage consumed ${impact}` : ''}`);
    o.print(`           npx pave postmortem show ${incidentId}    # prefilled impact and timeline; pave postmortem export ${incidentId}`);
    step = 'done';
  }

  const tick = async () => {
    if (stopped || running || step === 'done') return;
    running = true;
    try {
      if (step === 'wait_for_page') await declare();
      else if (step === 'wait_for_mitigation') await mitigate();
      else if (step === 'wait_for_resolution') await resolve();
    } catch (err) {
      o.print(`${time()}  demo story: ${(err as Error).message}`);
      step = 'done';
    } finally {
      running = false;
    }
  };
  const timer = setInterval(() => void tick(), o.pollMs ?? 5_000);
  timer.unref();
  return {
    stop() {
      stopped = true;
      clearInterval(timer);
    },
  };
}
