import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { startServe, type ServeProcess } from '../support/serve.js';

/** Waits until the process has printed a line matching `pattern`; returns the match. */
async function printed(p: ServeProcess, pattern: RegExp, withinMs: number): Promise<RegExpExecArray> {
  const until = Date.now() + withinMs;
  for (;;) {
    const m = pattern.exec(p.output());
    if (m) return m;
    if (Date.now() > until) throw new Error(`nothing matching ${pattern} within ${withinMs / 1000} s; output:\n${p.output()}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('pave demo', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pave-demo-'));
  const pagingDir = mkdtempSync(join(tmpdir(), 'pave-demo-paging-'));
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
    rmSync(pagingDir, { recursive: true, force: true });
  });

  it('serves the example catalog with simulated history, prints a working admin token, and stops cleanly', async () => {
    const demo = await startServe({ PAVE_DATA_DIR: dir }, ['--sink-port', '0'], 'demo', /Ctrl-C stops the demo/);
    try {
      const token = /token\s+(pave_\S+)/.exec(demo.output())![1]!;
      expect(demo.output()).toContain('example catalog applied');
      expect(demo.output()).toMatch(/simulated history: 43\d\d minutes backfilled/);
      const get = (path: string) => fetch(`${demo.url}${path}`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.json());
      expect((await get('/api/v1/services')).items).toHaveLength(9);
      const slos = (await get('/api/v1/slos')).items as { metadata: { name: string }; summary: { status: string; sli: number } }[];
      expect(slos.map((s) => s.metadata.name)).toHaveLength(6);
      // Three days of healthy simulated traffic: every SLO measured, none exhausted.
      for (const s of slos) {
        expect(['healthy', 'warning'], s.metadata.name).toContain(s.summary.status);
        expect(s.summary.sli, s.metadata.name).toBeGreaterThan(0.99);
      }
    } finally {
      demo.child.kill('SIGTERM');
    }
    expect(await demo.exited).toBe(0);
  });

  it('pages the on-call person through its printed pager, escalates to the team, is acknowledged from the CLI, and ends as an incident with a frozen deploy and a postmortem draft', { timeout: 720_000 }, async () => {
    // The outage starts at once and the engine evaluates every 2 s, so the page comes within about a minute.
    const demo = await startServe({ PAVE_DATA_DIR: pagingDir, PAVE_EVALUATION_INTERVAL: '2' }, ['--sink-port', '0', '--outage-in', '0'], 'demo', /Ctrl-C stops the demo/);
    try {
      const env = { PAVE_URL: demo.url, PAVE_TOKEN: /token\s+(pave_\S+)/.exec(demo.output())![1]! };
      expect(demo.output()).toMatch(/pager\s+http:\/\/127\.0\.0\.1:\d+\/notify\/<person>/);
      const first = await printed(demo, /NOTIFY (\w+)\s+\[PAGE\] Page: SLO checkout-availability is burning[^\n]*\n[^\n]*payments-primary, step 1, round 1\n\s+acknowledge: npx pave page ack (\d+)/, 150_000);
      const [, person, pageId] = first;
      // The person paged is whoever pave says is on call for payments now.
      const oncall = await runCli(['--json', 'oncall', 'payments-primary'], { env });
      expect(oncall.code, oncall.stderr).toBe(0);
      expect(oncall.stdout).toContain(`"${person}"`);
      // Nobody acknowledges: 2 minutes later step 2 notifies every member of the payments team.
      const escalatedLine = /NOTIFY (\w+)\s+\[PAGE\] Escalated page: SLO checkout-availability[^\n]*\n[^\n]*step 2, round 1/g;
      await printed(demo, /(?:NOTIFY \w+\s+\[PAGE\] Escalated page[\s\S]*){3}/, 170_000);
      const escalated = [...demo.output().matchAll(escalatedLine)].map((m) => m[1]).sort();
      expect(escalated).toEqual(['alice', 'bob', 'chen']);
      const ack = await runCli(['page', 'ack', pageId!], { env });
      expect(ack.code, ack.stderr).toBe(0);
      await printed(demo, new RegExp(`NOTIFY \\w+\\s+\\[PAGE\\] Acknowledged: SLO checkout-availability`), 30_000);
      const pages = JSON.parse((await runCli(['--json', 'page', 'list'], { env })).stdout) as { id: number | string; status: string }[];
      expect(pages.find((p) => String(p.id) === pageId)?.status).toBe('acknowledged');

      // The demo's responders: the page became an incident, deploys of checkout are frozen once the outage is over,
      // and the resolved incident has a postmortem draft whose impact comes from the SLO data.
      const [, incidentId] = await printed(demo, new RegExp(`INCIDENT (\\d+) declared from page ${pageId} \\(SEV2, commander ${person}\\)`), 30_000);
      await printed(demo, /GATE {5}deploy of checkout 2\.4\.0: DENY \(checkout is frozen by BudgetPolicy\/checkout-strict/, 240_000);
      const gate = await runCli(['gate', 'check', 'checkout', '--version', '2.4.0'], { env });
      expect(gate.code, gate.stdout + gate.stderr).toBe(1);
      expect((await runCli(['gate', 'check', 'checkout', '--version', '2.4.1', '--kind', 'fix'], { env })).code).toBe(0);
      const [, consumed] = await printed(demo, new RegExp(`POSTMORTEM draft for incident ${incidentId}: the outage consumed checkout-availability ([0-9.]+)% of its budget`), 150_000);
      expect(Number(consumed)).toBeGreaterThan(10);
      const incident = JSON.parse((await runCli(['--json', 'incident', 'show', incidentId!], { env })).stdout) as { incident?: { status: string }; status?: string; metrics?: { ttmMs: number | null } };
      expect(incident.status ?? incident.incident?.status).toBe('resolved');
      const postmortem = await runCli(['postmortem', 'export', incidentId!], { env });
      expect(postmortem.code, postmortem.stderr).toBe(0);
      expect(postmortem.stdout).toContain('checkout-availability');
    } finally {
      demo.child.kill('SIGTERM');
    }
    expect(await demo.exited).toBe(0);
  });
});
