import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { alertmanagerConfig } from './alertmanager-config.js';

const amtool = spawnSync('sh', ['-c', 'command -v amtool']).status === 0;
if (process.env.CI && !amtool) throw new Error('CI is set but amtool (Debian prometheus-alertmanager) is not installed');

describe('alertmanagerConfig', () => {
  const text = alertmanagerConfig({ paveUrl: 'https://pave.example.com/', keyFile: '/etc/alertmanager/pave.key' });

  it('routes everything to a pave webhook receiver that sends resolved alerts, never truncates, and authenticates', () => {
    const c = parse(text) as { route: { receiver: string; group_by: string[] }; receivers: { name: string; webhook_configs: Record<string, unknown>[] }[] };
    expect(c.route).toMatchObject({ receiver: 'pave', group_by: ['alertname', 'service', 'slo'] });
    expect(c.receivers[0]?.webhook_configs[0]).toEqual({
      url: 'https://pave.example.com/api/v1/integrations/alertmanager',
      send_resolved: true,
      max_alerts: 0,
      http_config: { authorization: { type: 'Bearer', credentials_file: '/etc/alertmanager/pave.key' } },
    });
  });

  it.skipIf(!amtool)('is a configuration Alertmanager accepts (amtool check-config)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pave-am-'));
    try {
      const key = join(dir, 'pave.key');
      writeFileSync(key, 'pave_integration_key\n');
      const file = join(dir, 'alertmanager.yml');
      writeFileSync(file, alertmanagerConfig({ paveUrl: 'http://127.0.0.1:8080', keyFile: key }));
      const r = spawnSync('amtool', ['check-config', file], { encoding: 'utf8' });
      expect(r.stdout + r.stderr).toContain('SUCCESS');
      expect(r.status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
