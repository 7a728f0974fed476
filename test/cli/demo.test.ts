import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startServe } from '../support/serve.js';

describe('pave demo', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pave-demo-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('serves the example catalog with simulated history, prints a working admin token, and stops cleanly', async () => {
    const demo = await startServe({ PAVE_DATA_DIR: dir }, [], 'demo', /Ctrl-C stops the demo/);
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
});
