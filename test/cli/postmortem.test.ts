// pave postmortem …: the real CLI in a child process against a server: start, edit (blame warnings, text from a
// file), action items, the lifecycle with a refused move, export, show and list; a viewer token is refused writes.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseCatalog, startTestApi, type TestApi } from '../support/api.js';
import { runCli } from '../support/cli.js';

describe('pave postmortem against a server', { timeout: 180_000 }, () => {
  let api: TestApi;
  let dir: string;
  let env: Record<string, string>;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pave-cli-postmortem-'));
    api = await startTestApi('pglite', { catalog: baseCatalog, now: () => new Date('2026-11-18T12:00:00Z') });
    env = { PAVE_URL: await api.app.listen({ host: '127.0.0.1', port: 0 }), PAVE_TOKEN: api.tokens.payments };
    const declared = await api.call('POST', '/api/v1/incidents', { token: api.tokens.payments, body: { title: 'Checkout errors', services: ['checkout'], severity: 'SEV1', impactStartAt: '2026-11-18T11:30:00Z' } });
    expect(declared.statusCode, declared.body).toBe(201);
    expect(declared.json().id).toBe('1');
  });
  afterAll(async () => {
    await api?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('starts, edits with warnings, tracks action items, moves through review and exports', async () => {
    const missing = await runCli(['postmortem', 'show', '1'], { env });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('pave postmortem start 1');

    const start = await runCli(['postmortem', 'start', '1'], { env });
    expect(start.code, start.stderr).toBe(0);
    // Wednesday 18 November + 5 business days.
    expect(start.stdout).toBe('postmortem of incident 1 started (draft, due 2026-11-25)\n');

    writeFileSync(join(dir, 'lessons.md'), 'Validate config like code.\n');
    const edit = await runCli(['postmortem', 'edit', '1', '--root-causes', 'Human error by alice', '--lessons', `@${join(dir, 'lessons.md')}`], { env });
    expect(edit.code, edit.stderr).toBe(0);
    expect(edit.stdout).toContain('postmortem of incident 1 updated: root-causes, lessons');
    expect(edit.stdout).toContain('warning: "Human error" is named as a cause');
    expect(edit.stdout).toContain('warning: a person ("alice") is named in the root causes');

    const add = await runCli(['postmortem', 'action', 'add', '1', '--title', 'Canary config pushes', '--type', 'prevent', '--owner', 'payments', '--due', '2030-01-15'], { env });
    expect(add.code, add.stderr).toBe(0);
    expect(add.stdout).toBe('action item 1 added to the postmortem of incident 1: Canary config pushes\n');
    const badType = await runCli(['postmortem', 'action', 'add', '1', '--title', 'x', '--type', 'fix', '--owner', 'alice'], { env });
    expect(badType.code).toBe(2);
    expect(badType.stderr).toContain('--type must be one of prevent, mitigate, detect, repair');
    const viewer = await runCli(['postmortem', 'edit', '1', '--summary', 'x'], { env: { ...env, PAVE_TOKEN: api.tokens.viewer } });
    expect(viewer.code).toBe(1);
    const update = await runCli(['postmortem', 'action', 'update', '1', '--status', 'done'], { env });
    expect(update.code, update.stderr).toBe(0);
    expect(update.stdout).toContain('action item 1: done, owner payments, due 2030-01-15');

    const skip = await runCli(['postmortem', 'status', '1', 'published'], { env });
    expect(skip.code).toBe(1);
    expect(skip.stderr).toContain('a postmortem in draft can move to in_review, not to published');
    expect((await runCli(['postmortem', 'status', '1', 'in_review'], { env })).stdout).toContain('postmortem of incident 1 is in_review');

    const out = join(dir, 'pm.md');
    const exp = await runCli(['postmortem', 'export', '1', '--output', out], { env });
    expect(exp.code, exp.stderr).toBe(0);
    const md = readFileSync(out, 'utf8');
    expect(md).toMatch(/^# Postmortem: Checkout errors\n/);
    expect(md).toContain('Status: in review');
    expect(md).toContain('| 1 | Canary config pushes | prevent | payments | 2030-01-15 | done | — |');
    expect(md).toContain('## Lessons\n\nValidate config like code.');

    const show = await runCli(['postmortem', 'show', '1'], { env });
    expect(show.code, show.stderr).toBe(0);
    expect(show.stdout).toContain('postmortem of incident 1: Checkout errors');
    expect(show.stdout).toMatch(/required: severity SEV1/);
    const json = JSON.parse((await runCli(['--json', 'postmortem', 'show', '1'], { env })).stdout);
    expect(json.status).toBe('in_review');
    expect(json.actionItems).toHaveLength(1);
    const list = await runCli(['postmortem', 'list', '--status', 'in_review'], { env });
    expect(list.stdout).toMatch(/^INCIDENT\s+SEVERITY\s+STATUS/);
    expect(list.stdout).toContain('Checkout errors');
  });
});
