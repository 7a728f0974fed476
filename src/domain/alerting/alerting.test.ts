import { describe, expect, it } from 'vitest';
import { alertFromSloTransition, alertmanagerApiAlerts, alertmanagerWebhook, alertsFromApi, alertsFromWebhook, labelsFingerprint, pageGroupOf, resolveTimeoutMs, routeAlert, validateEvent, webhookIsComplete, type RoutingCatalog } from './index.js';

const now = Date.parse('2026-03-25T10:00:00Z');

describe('identity and grouping', () => {
  it('identifies a label set whatever its order, and groups by the values of the group labels', () => {
    expect(labelsFingerprint({ a: '1', b: '2' })).toBe(labelsFingerprint({ b: '2', a: '1' }));
    expect(labelsFingerprint({ a: '1', b: '2' })).not.toBe(labelsFingerprint({ a: '1', b: '3' }));
    // Separators keep ("ab","c") and ("a","bc") apart.
    expect(labelsFingerprint({ ab: 'c' })).not.toBe(labelsFingerprint({ a: 'bc' }));
    expect(labelsFingerprint({ a: '1' })).toMatch(/^[0-9a-f]{16}$/);
    const g = pageGroupOf({ service: 'checkout', alertname: 'X', instance: 'a' }, ['service', 'alertname']);
    expect(g.labels).toEqual({ service: 'checkout', alertname: 'X' });
    expect(pageGroupOf({ service: 'checkout', alertname: 'X', instance: 'b' }, ['service', 'alertname']).key).toBe(g.key);
    expect(pageGroupOf({ alertname: 'X' }, ['service', 'alertname']).labels).toEqual({ service: '', alertname: 'X' });
  });
});

describe('Alertmanager webhook v4', () => {
  const payload = (alerts: unknown[], truncatedAlerts = 0) =>
    alertmanagerWebhook.parse({ version: '4', groupKey: 'g', truncatedAlerts, status: 'firing', receiver: 'pave', groupLabels: {}, commonLabels: {}, commonAnnotations: {}, externalURL: '', alerts });
  it('reads zero-time endsAt as no end while firing, the end of a resolved alert, and fingerprints as identities', () => {
    const [firing, resolved] = alertsFromWebhook(
      payload([
        { status: 'firing', labels: { alertname: 'X' }, annotations: {}, startsAt: '2026-03-25T09:00:00Z', endsAt: '0001-01-01T00:00:00Z', generatorURL: '', fingerprint: 'aaaaaaaaaaaaaaaa' },
        { status: 'resolved', labels: { alertname: 'Y' }, annotations: { summary: 'y' }, startsAt: '2026-03-25T09:00:00Z', endsAt: '2026-03-25T09:30:00.123456789Z', generatorURL: '', fingerprint: 'bbbbbbbbbbbbbbbb' },
      ]),
    );
    expect(firing).toMatchObject({ identity: 'aaaaaaaaaaaaaaaa', status: 'firing', endedAt: null, summary: 'X', sourceGroup: 'g' });
    expect(resolved).toMatchObject({ identity: 'bbbbbbbbbbbbbbbb', status: 'resolved', endedAt: Date.parse('2026-03-25T09:30:00.123Z'), summary: 'y' });
  });
  it('is complete only when nothing was truncated', () => {
    expect(webhookIsComplete(payload([]))).toBe(true);
    expect(webhookIsComplete(payload([], 3))).toBe(false);
  });
  it('falls back to a hash of the labels without a fingerprint', () => {
    const [a] = alertsFromWebhook(payload([{ status: 'firing', labels: { alertname: 'X' }, startsAt: '2026-03-25T09:00:00Z', endsAt: '0001-01-01T00:00:00Z' }]));
    expect(a!.identity).toBe(labelsFingerprint({ alertname: 'X' }));
  });
});

describe('Alertmanager API v2', () => {
  it('defaults startsAt to now and endsAt to now + 5 minutes, and resolves an alert whose endsAt passed', () => {
    const [a, b] = alertsFromApi(alertmanagerApiAlerts.parse([{ labels: { alertname: 'A' } }, { labels: { alertname: 'B' }, endsAt: '2026-03-25T09:59:00Z' }]), now);
    expect(a).toMatchObject({ status: 'firing', startsAt: now, expiresAt: now + resolveTimeoutMs });
    expect(resolveTimeoutMs).toBe(300_000);
    expect(b).toMatchObject({ status: 'resolved', endedAt: Date.parse('2026-03-25T09:59:00Z'), expiresAt: null });
  });
});

describe('PagerDuty events', () => {
  it('accepts the short forms of acknowledge and resolve', () => {
    expect(validateEvent({ routing_key: 'r'.repeat(32), event_action: 'resolve', dedup_key: 'k' })).toEqual({ ok: true, value: { action: 'resolve', routingKey: 'r'.repeat(32), dedupKey: 'k' } });
  });
  it('lists every problem at once', () => {
    const v = validateEvent({ routing_key: 'x', event_action: 'trigger', payload: { summary: '', source: 's', severity: 'bad' } });
    expect(v).toEqual({
      ok: false,
      errors: ["Length of 'routing_key' is incorrect (should be 32 characters)", "'payload.summary' is missing or blank", "'payload.severity' is invalid (must be one of: critical, error, warning, info)"],
    });
  });
});

describe('routing', () => {
  const catalog: RoutingCatalog = {
    serviceOwners: new Map([['checkout', 'payments']]),
    teams: new Set(['payments', 'storefront']),
    servicePolicies: new Map(),
    teamPolicies: new Map([['payments', 'payments-policy']]),
    catchAllPolicy: 'catch-all',
  };
  it('routes the service label to its owner and the owner\'s policy, before the team label and the integration', () => {
    expect(routeAlert({ service: 'checkout', team: 'storefront' }, { team: 'storefront' }, catalog)).toMatchObject({ team: 'payments', service: 'checkout', escalationPolicy: 'payments-policy', unrouted: false });
    expect(routeAlert({ team: 'storefront' }, {}, catalog)).toMatchObject({ team: 'storefront', escalationPolicy: null, unrouted: false });
    expect(routeAlert({ service: 'unknown' }, { service: 'checkout' }, catalog)).toMatchObject({ team: 'payments', unrouted: false });
    expect(routeAlert({}, { team: 'storefront' }, catalog).reason).toBe('integration team storefront');
  });
  it('sends what matches nothing to the catch-all, unrouted, saying why', () => {
    const r = routeAlert({ service: 'ghost', team: 'nobody' }, {}, catalog);
    expect(r).toEqual({ team: null, service: null, escalationPolicy: 'catch-all', unrouted: true, reason: 'unrouted: label service=ghost names no known service; label team=nobody names no known team' });
    expect(routeAlert({}, {}, catalog).reason).toBe('unrouted: no service or team label and the integration names neither');
  });
  it('prefers a service\'s own escalation policy', () => {
    expect(routeAlert({ service: 'checkout' }, {}, { ...catalog, servicePolicies: new Map([['checkout', 'checkout-policy']]) }).escalationPolicy).toBe('checkout-policy');
  });
});

describe('SLO alerts', () => {
  it('carry labels alertname, slo, service and severity', () => {
    const a = alertFromSloTransition({ alertId: 'x/page', slo: 'x', kind: 'no_data', severity: 'page', state: 'firing', at: '2026-03-25T10:00:00.000Z', details: { service: 'checkout' } });
    expect(a).toMatchObject({ identity: 'x/page', status: 'firing', labels: { alertname: 'SLONoData', slo: 'x', service: 'checkout', severity: 'page' }, startsAt: now });
  });
});
