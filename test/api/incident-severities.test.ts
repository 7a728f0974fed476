// A configured severity scale (PAVE_INCIDENT_SEVERITIES) on both stores: its labels are accepted, its default
// applies, labels off the scale are a 400 naming the field, and the store keeps a label the default scale lacks.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { severityScaleFromEnv } from '../../src/domain/incident/lifecycle.js';
import { baseCatalog, startTestApi, type TestApi } from '../support/api.js';
import { backends } from '../support/stores.js';

describe('severityScaleFromEnv', () => {
  it('reads the scale and its default, and names the variable on bad values', () => {
    expect(severityScaleFromEnv({})).toEqual({ levels: ['SEV1', 'SEV2', 'SEV3', 'SEV4'], default: 'SEV3' });
    expect(severityScaleFromEnv({ PAVE_INCIDENT_SEVERITIES: 'P1, P2, P3' })).toEqual({ levels: ['P1', 'P2', 'P3'], default: 'P3' });
    expect(severityScaleFromEnv({ PAVE_INCIDENT_SEVERITIES: 'SEV0,SEV1,SEV2,SEV3', PAVE_INCIDENT_DEFAULT_SEVERITY: 'SEV2' }).default).toBe('SEV2');
    expect(() => severityScaleFromEnv({ PAVE_INCIDENT_SEVERITIES: 'SEV1' })).toThrow(/PAVE_INCIDENT_SEVERITIES: expected 2 to 10/);
    expect(() => severityScaleFromEnv({ PAVE_INCIDENT_SEVERITIES: 'SEV1,SEV1' })).toThrow(/appears twice/);
    expect(() => severityScaleFromEnv({ PAVE_INCIDENT_SEVERITIES: 'SEV 1,SEV2' })).toThrow(/'SEV 1' is not a label/);
    expect(() => severityScaleFromEnv({ PAVE_INCIDENT_DEFAULT_SEVERITY: 'SEV0' })).toThrow(/PAVE_INCIDENT_DEFAULT_SEVERITY: 'SEV0' is not on the scale/);
  });
});

for (const { backend, skip } of backends) {
  describe.skipIf(skip)(`a configured severity scale on ${backend}`, () => {
    let api: TestApi;
    const saved = { ...process.env };
    beforeAll(async () => {
      process.env.PAVE_INCIDENT_SEVERITIES = 'SEV0,SEV1,SEV2,SEV3';
      process.env.PAVE_INCIDENT_DEFAULT_SEVERITY = 'SEV2';
      api = await startTestApi(backend, { catalog: baseCatalog });
    });
    afterAll(async () => {
      process.env.PAVE_INCIDENT_SEVERITIES = saved.PAVE_INCIDENT_SEVERITIES;
      process.env.PAVE_INCIDENT_DEFAULT_SEVERITY = saved.PAVE_INCIDENT_DEFAULT_SEVERITY;
      if (saved.PAVE_INCIDENT_SEVERITIES === undefined) delete process.env.PAVE_INCIDENT_SEVERITIES;
      if (saved.PAVE_INCIDENT_DEFAULT_SEVERITY === undefined) delete process.env.PAVE_INCIDENT_DEFAULT_SEVERITY;
      await api?.close();
    });

    it('declares with the scale, defaults to its default, and refuses labels off it', async () => {
      const top = await api.call('POST', '/api/v1/incidents', { token: api.tokens.payments, body: { title: 'Everything is down', services: ['checkout'], severity: 'SEV0' } });
      expect(top.statusCode, top.body).toBe(201);
      expect(top.json().severity).toBe('SEV0');
      const plain = await api.call('POST', '/api/v1/incidents', { token: api.tokens.payments, body: { title: 'Slow checkout', services: ['checkout'] } });
      expect(plain.json().severity).toBe('SEV2');
      const off = await api.call('POST', '/api/v1/incidents', { token: api.tokens.payments, body: { title: 'x', services: ['checkout'], severity: 'SEV4' } });
      expect(off.statusCode).toBe(400);
      expect(off.json().error).toMatchObject({ message: 'severity must be one of SEV0, SEV1, SEV2, SEV3, not "SEV4"', details: [{ path: 'severity' }] });
      const change = await api.call('PATCH', `/api/v1/incidents/${plain.json().id}`, { token: api.tokens.payments, body: { severity: 'SEV0', reason: 'card payments fail too' } });
      expect(change.statusCode, change.body).toBe(200);
      expect((await api.call('GET', `/api/v1/incidents/${plain.json().id}`, { token: api.tokens.viewer })).json().severity).toBe('SEV0');
      expect((await api.call('PATCH', `/api/v1/incidents/${plain.json().id}`, { token: api.tokens.payments, body: { severity: 'critical!' } })).statusCode).toBe(400);
    });
  });
}
