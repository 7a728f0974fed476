import { describe, expect, it } from 'vitest';
import { canChangeObject, canRead, type Principal } from './permissions.js';

const admin: Principal = { actor: 'a', role: 'admin' };
const payments: Principal = { actor: 'p', role: 'member', team: 'payments' };
const viewer: Principal = { actor: 'v', role: 'viewer' };
const ingest: Principal = { actor: 'i', role: 'ingest', services: ['checkout'] };

describe('canChangeObject', () => {
  const cases: [string, Principal, string[] | null, string[] | null, boolean][] = [
    ['admin changes anything', admin, ['storefront'], ['payments'], true],
    ['admin changes team-less objects', admin, [], [], true],
    ['member creates for own team', payments, null, ['payments'], true],
    ['member updates own', payments, ['payments'], ['payments'], true],
    ['member deletes own', payments, ['payments'], null, true],
    ['member cannot create for another team', payments, null, ['storefront'], false],
    ['member cannot take over another team\'s object', payments, ['storefront'], ['payments'], false],
    ['member cannot give an object away', payments, ['payments'], ['storefront'], false],
    ['member cannot delete another team\'s object', payments, ['storefront'], null, false],
    ['member cannot change team-less objects', payments, [], [], false],
    ['member of one of several owning teams may change', payments, ['payments', 'storefront'], ['payments', 'storefront'], true],
    ['viewer cannot change', viewer, ['payments'], ['payments'], false],
    ['ingest cannot change', ingest, ['payments'], ['payments'], false],
  ];
  it.each(cases)('%s', (_name, p, before, after, allowed) => {
    const d = canChangeObject(p, 'Service/checkout', before, after);
    expect(d.allowed).toBe(allowed);
    if (!d.allowed) expect(d.reason).toContain('Service/checkout');
  });

  it('names the owning team in the reason', () => {
    expect(canChangeObject(payments, 'Service/web', ['storefront'], ['storefront'])).toEqual({
      allowed: false,
      reason: 'Service/web is currently owned by storefront, not payments',
    });
  });
});

describe('canRead', () => {
  it('lets every role but ingest read', () => {
    expect([admin, payments, viewer, ingest].map((p) => canRead(p).allowed)).toEqual([true, true, true, false]);
  });
});
