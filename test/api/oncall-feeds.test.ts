// iCalendar feeds behind signed links: a feed parsed with ical.js holds exactly the shifts the shifts endpoint gives
// for the feed's window; links are refused (401, one message) when any part is tampered with or expired; the signing
// key is made at first use, never by a refused request; and the signature never reaches the server log.
import { Writable } from 'node:stream';
import ICAL from 'ical.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { feedWindow } from '../../src/api/oncall.js';
import { buildServer } from '../../src/api/server.js';
import { baseCatalog, startTestApi, type TestApi } from '../support/api.js';
import { backends } from '../support/stores.js';
import { paymentsSchedule } from './oncall-fixture.js';

/** A second schedule, owned by storefront, in New York, that also names alice: her feed spans both. */
const storefrontSchedule = `
---
apiVersion: pave/v1
kind: Schedule
metadata: { name: storefront-primary }
spec:
  owner: storefront
  timezone: America/New_York
  layers:
    - { name: daily, participants: [chen, alice], length: 1d, handoff: "09:00", start: 2026-03-01 }
`;

interface Event {
  uid: string;
  start: string;
  end: string;
  summary: string;
  description: string;
}

function parseFeed(ics: string): Event[] {
  const root = new ICAL.Component(ICAL.parse(ics));
  return root.getAllSubcomponents('vevent').map((c) => {
    const e = new ICAL.Event(c);
    return {
      uid: e.uid,
      start: new Date(e.startDate.toUnixTime() * 1000).toISOString(),
      end: new Date(e.endDate.toUnixTime() * 1000).toISOString(),
      summary: e.summary,
      description: e.description,
    };
  });
}

const uidOf = (schedule: string, person: string, start: string) => `${schedule}/${person}/${start.replace(/\.000Z$/, 'Z').replace(/[-:]/g, '')}@pave`;

for (const { backend, skip } of backends) {
  describe.skipIf(skip)(`on-call feeds on ${backend}`, () => {
    let api: TestApi;
    // Wednesday 25 March 2026: the window runs from Monday 16 March to Monday 25 May (UTC).
    let now = Date.parse('2026-03-25T10:00:00Z');
    beforeAll(async () => {
      api = await startTestApi(backend, { catalog: baseCatalog + paymentsSchedule + storefrontSchedule, now: () => new Date(now) });
    });
    afterAll(async () => {
      await api?.close();
    });

    const keyRow = () => api.store.db.selectFrom('pave_meta').select('value').where('key', '=', 'feed_signing_key').executeTakeFirst();
    const linkFor = async (kind: 'schedules' | 'people', name: string, query = ''): Promise<{ path: string; url: string; expiresAt: string }> => {
      const res = await api.call('GET', `/api/v1/${kind}/${name}/feed-url${query}`, { token: api.tokens.viewer });
      expect(res.statusCode, res.body).toBe(200);
      return res.json();
    };
    /** The shifts endpoint's answer for the feed window, as the feed should show it. */
    const windowShifts = async (schedule: string) => {
      const w = feedWindow(now);
      const res = await api.call('GET', `/api/v1/schedules/${schedule}/shifts?from=${new Date(w.computeFrom).toISOString()}&to=${new Date(w.to).toISOString()}`, { token: api.tokens.viewer });
      expect(res.statusCode).toBe(200);
      return (res.json().items as { person: string; displayName: string; start: string; end: string }[]).filter((s) => Date.parse(s.end) > w.from);
    };

    it('makes the signing key at first use, not when a made-up link is tried', async () => {
      expect(await keyRow()).toBeUndefined();
      const guess = await api.call('GET', `/api/v1/schedules/payments-primary/feed.ics?expires=${Math.floor(now / 1000) + 3600}&signature=${'A'.repeat(43)}`);
      expect(guess.statusCode).toBe(401);
      expect(await keyRow()).toBeUndefined();
      const link = await linkFor('schedules', 'payments-primary');
      expect(link.path).toMatch(/^\/api\/v1\/schedules\/payments-primary\/feed\.ics\?expires=\d+&signature=[A-Za-z0-9_-]{43}$/);
      expect(link.url).toBe(`http://localhost:80${link.path}`);
      expect(link.expiresAt).toBe('2027-03-25T10:00:00.000Z');
      const key = (await keyRow())!.value;
      expect(Buffer.from(key, 'base64url')).toHaveLength(32);
      // The same key signs every later link, so the same request gives the same link.
      expect((await linkFor('schedules', 'payments-primary')).path).toBe(link.path);
      expect((await keyRow())!.value).toBe(key);
      // The key never appears in an answer.
      expect(JSON.stringify(link)).not.toContain(key);
    });

    it("serves a schedule's feed without a token; ical.js reads the same shifts as the shifts endpoint", async () => {
      const made = await api.call('POST', '/api/v1/schedules/payments-primary/overrides', {
        token: api.tokens.admin,
        body: { person: 'alice', start: '2026-04-02T10:00:00Z', end: '2026-04-02T12:00:00Z', reason: 'feed test' },
      });
      expect(made.statusCode).toBe(201);
      const link = await linkFor('schedules', 'payments-primary');
      const res = await api.call('GET', link.path);
      expect(res.statusCode, res.body).toBe(200);
      expect(res.headers['content-type']).toBe('text/calendar; charset=utf-8');
      const events = parseFeed(res.body);
      const shifts = await windowShifts('payments-primary');
      expect(shifts.length).toBeGreaterThan(40);
      expect(events.map(({ description: _, ...e }) => e)).toEqual(
        shifts.map((s) => ({ uid: uidOf('payments-primary', s.person, s.start), start: s.start, end: s.end, summary: `On call: ${s.displayName} (Payments primary)` })),
      );
      // Descriptions name the sources as the API and the CLI do.
      const described = (start: string) => events.find((e) => e.start === start)?.description;
      expect(described('2026-03-25T08:00:00.000Z')).toBe('Chen is on call for Payments primary. From layer office.');
      expect(described('2026-03-28T09:00:00.000Z')).toBe('Chen is on call for Payments primary. From spec override 0: config cover.');
      expect(described('2026-04-02T10:00:00.000Z')).toBe(`Alice is on call for Payments primary. From override ${made.json().id}: feed test.`);
      // The override belongs to its own schedule only.
      const both = (await api.call('GET', '/api/v1/oncall?at=2026-04-02T11:00:00Z', { token: api.tokens.viewer })).json().items;
      expect(both.map((i: { schedule: string; person: string; source: { type: string } }) => [i.schedule, i.person, i.source.type])).toEqual([
        ['payments-primary', 'alice', 'override'],
        ['storefront-primary', 'alice', 'layer'],
      ]);
      // The window starts on Monday 16 March 00:00 UTC; the shift then in progress (bob's week from Monday 9 March,
      // office hours aside) keeps its real start, and with it its UID.
      expect(events[0]).toMatchObject({ start: '2026-03-13T16:00:00.000Z', end: '2026-03-16T08:00:00.000Z' });
      expect(events.at(-1)!.end).toBe('2026-05-25T00:00:00.000Z');
    });

    it('keeps every UID from one fetch to the next within the week, and across the week boundary for shifts still in the window', async () => {
      const link = await linkFor('schedules', 'payments-primary');
      const first = parseFeed((await api.call('GET', link.path)).body).map(({ description: _, ...e }) => e);
      now = Date.parse('2026-03-29T22:00:00Z'); // Sunday night: the same window
      try {
        expect(parseFeed((await api.call('GET', link.path)).body).map(({ description: _, ...e }) => e)).toEqual(first);
        now = Date.parse('2026-03-30T10:00:00Z'); // the next Monday: the window moves by a week
        const next = parseFeed((await api.call('GET', link.path)).body);
        const uids = new Set(first.map((e) => e.uid));
        const kept = next.filter((e) => Date.parse(e.start) < Date.parse('2026-05-25T00:00:00Z'));
        expect(kept.length).toBeGreaterThan(30);
        for (const e of kept) expect(uids.has(e.uid), e.uid).toBe(true);
      } finally {
        now = Date.parse('2026-03-25T10:00:00Z');
      }
    });

    it("serves a person's feed: their shifts in every schedule, with the UIDs of the schedule feeds", async () => {
      const link = await linkFor('people', 'alice');
      const res = await api.call('GET', link.path);
      expect(res.statusCode).toBe(200);
      const events = parseFeed(res.body).map(({ description: _, ...e }) => e);
      const expected = [
        ...(await windowShifts('payments-primary')).filter((s) => s.person === 'alice').map((s) => ({ uid: uidOf('payments-primary', 'alice', s.start), start: s.start, end: s.end, summary: 'On call: Alice (Payments primary)' })),
        ...(await windowShifts('storefront-primary')).filter((s) => s.person === 'alice').map((s) => ({ uid: uidOf('storefront-primary', 'alice', s.start), start: s.start, end: s.end, summary: 'On call: Alice (storefront-primary)' })),
      ].sort((a, b) => Date.parse(a.start) - Date.parse(b.start) || a.uid.localeCompare(b.uid));
      expect(events).toEqual(expected);
      expect(new Set(events.map((e) => e.uid.split('/')[0]))).toEqual(new Set(['payments-primary', 'storefront-primary']));
      const scheduleFeed = parseFeed((await api.call('GET', (await linkFor('schedules', 'storefront-primary')).path)).body).map(({ description: _, ...e }) => e);
      expect(scheduleFeed.filter((e) => e.uid.includes('/alice/'))).toEqual(events.filter((e) => e.uid.startsWith('storefront-primary/')));
    });

    it('refuses a tampered, borrowed, expired or incomplete link with one 401 that does not say what was wrong', async () => {
      const link = await linkFor('schedules', 'payments-primary', '?days=1');
      const url = new URL(link.path, 'http://x');
      const expires = url.searchParams.get('expires')!;
      const signature = url.searchParams.get('signature')!;
      const other = new URL((await linkFor('schedules', 'storefront-primary', '?days=1')).path, 'http://x').searchParams.get('signature')!;
      const flip = (s: string, i: number) => s.slice(0, i) + (s[i] === 'A' ? 'B' : 'A') + s.slice(i + 1);
      const path = '/api/v1/schedules/payments-primary/feed.ics';
      const refused = [
        `${path}?expires=${expires}&signature=${flip(signature, 0)}`,
        `${path}?expires=${expires}&signature=${flip(signature, 20)}`,
        `${path}?expires=${Number(expires) + 1}&signature=${signature}`,
        `${path}?expires=0${expires}&signature=${signature}`,
        `${path}?expires=${expires}&signature=${other}`,
        `/api/v1/schedules/storefront-primary/feed.ics?expires=${expires}&signature=${signature}`,
        `/api/v1/people/payments-primary/feed.ics?expires=${expires}&signature=${signature}`,
        `${path}?expires=${expires}`,
        `${path}?signature=${signature}`,
        path,
        `${path}?expires=${expires}&signature=${signature}%3D`,
        `${path}?expires=${expires}&signature=${signature.slice(0, -1)}`,
      ];
      const messages = new Set<string>();
      for (const u of refused) {
        const res = await api.call('GET', u);
        expect(res.statusCode, u).toBe(401);
        messages.add(res.json().error.message);
      }
      expect(messages.size).toBe(1);
      // A last character that encodes the same bytes with other padding bits is another spelling: refused too.
      const last = signature.at(-1)!;
      const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
      const sibling = alphabet[alphabet.indexOf(last) ^ 1]!;
      expect((await api.call('GET', `${path}?expires=${expires}&signature=${signature.slice(0, -1)}${sibling}`)).statusCode).toBe(401);
      // The genuine link works, with or without a bearer token, until it expires.
      expect((await api.call('GET', link.path)).statusCode).toBe(200);
      expect((await api.call('GET', link.path, { token: api.tokens.ingest })).statusCode).toBe(200);
      now += 86_400_000;
      try {
        const expired = await api.call('GET', link.path);
        expect(expired.statusCode).toBe(401);
        expect(messages.has(expired.json().error.message)).toBe(true);
      } finally {
        now -= 86_400_000;
      }
      // Unknown query parameters are refused like everywhere else.
      expect((await api.call('GET', `${link.path}&colour=red`)).statusCode).toBe(400);
    });

    it('gives links to readers only, for things that exist, for 1 to 3650 days', async () => {
      const res = (url: string, token?: string) => api.call('GET', url, { token });
      expect((await res('/api/v1/schedules/payments-primary/feed-url')).statusCode).toBe(401);
      expect((await res('/api/v1/schedules/payments-primary/feed-url', api.tokens.ingest)).statusCode).toBe(403);
      expect((await res('/api/v1/schedules/nope/feed-url', api.tokens.viewer)).statusCode).toBe(404);
      expect((await res('/api/v1/people/nobody/feed-url', api.tokens.viewer)).statusCode).toBe(404);
      expect((await res('/api/v1/schedules/payments-primary/feed-url?days=0', api.tokens.viewer)).statusCode).toBe(400);
      expect((await res('/api/v1/schedules/payments-primary/feed-url?days=3651', api.tokens.viewer)).statusCode).toBe(400);
      expect((await res('/api/v1/schedules/payments-primary/feed-url?days=3650', api.tokens.viewer)).json().expiresAt).toBe('2036-03-22T10:00:00.000Z');
      // A valid link to something deleted since: 404, after the signature is checked.
      const link = await linkFor('people', 'chen');
      await api.call('POST', '/api/v1/apply?prune=true', {
        token: api.tokens.admin,
        body: { files: [{ name: 'all.yaml', content: (baseCatalog + paymentsSchedule + storefrontSchedule).replaceAll('chen', 'dora') }] },
      });
      expect((await api.call('GET', link.path)).statusCode).toBe(404);
    });

    it('does not write the signature to the server log', async () => {
      const lines: string[] = [];
      const stream = new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) });
      const logged = await buildServer({ store: api.store, logger: { level: 'info', stream }, now: () => new Date(now) });
      await logged.ready();
      try {
        const link = await linkFor('schedules', 'payments-primary');
        const signature = new URL(link.path, 'http://x').searchParams.get('signature')!;
        expect((await logged.inject({ method: 'GET', url: link.path })).statusCode).toBe(200);
        expect((await logged.inject({ method: 'GET', url: link.path.replace('signature=', 'signature=x') })).statusCode).toBe(401);
        const log = lines.join('');
        expect(log).toContain('/api/v1/schedules/payments-primary/feed.ics?(signed link)');
        expect(log).not.toContain(signature);
        expect(log).not.toContain((await keyRow())!.value);
      } finally {
        await logged.close();
      }
    });
  });
}
