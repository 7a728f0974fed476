// Bad input never crashes the server: every registered route, fed malformed, oversized, mistyped or hostile requests
// (with a valid admin token), answers 4xx in the pave error shape with an x-request-id header, and nothing a rejected
// request carried is written to the catalog, the tokens or the audit log.
import { Readable } from 'node:stream';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyBodyLimit } from '../../src/api/apply.js';
import { ingestBodyLimit } from '../../src/api/ingest.js';
import { buildServer } from '../../src/api/server.js';
import type { Store } from '../../src/store/store.js';
import { startTestApi, type TestApi } from '../support/api.js';
import { backends } from '../support/stores.js';

interface Route {
  method: string;
  url: string;
}

/**
 * Every method and full path the router answers: a second server over the same store reports each route as it is
 * registered. Fastify also registers a trailing-slash twin of a prefixed "/" route (GET /api/docs/) without telling
 * onRoute, so twins the router knows are added; the test below checks the count against the router's own listing.
 */
async function listRoutes(store: Store): Promise<Route[]> {
  const routes: Route[] = [];
  const app = await buildServer({ store, onRoute: (method, url) => routes.push({ method, url }) });
  await app.ready();
  const known = new Set(routes.map((r) => `${r.method} ${r.url}`));
  for (const r of [...routes]) {
    const twin = r.url.endsWith('/') ? r.url.slice(0, -1) : `${r.url}/`;
    if (twin && !r.url.endsWith('*') && !known.has(`${r.method} ${twin}`) && app.hasRoute({ method: r.method as 'GET', url: twin })) {
      known.add(`${r.method} ${twin}`);
      routes.push({ method: r.method, url: twin });
    }
  }
  await app.close();
  return routes;
}

const isWrite = (method: string) => !['GET', 'HEAD', 'OPTIONS'].includes(method);
const takesBody = (method: string) => ['POST', 'PUT', 'PATCH'].includes(method);
const hasParams = (url: string) => /:[A-Za-z0-9_]+|\*/.test(url);
const fill = (url: string, value: string) => url.replace(/:[A-Za-z0-9_]+|\*/g, value);
/** A well-formed name that no object, token or file has: writes to it can only fail. */
const nothing = 'no-such-thing';

interface Want {
  /** Exact status expected; otherwise any 4xx. */
  status?: number;
  /** Exact error.code expected. */
  code?: string;
  /** A 2xx or 3xx is acceptable too (reads that ignore what they do not understand, or redirect). */
  okToo?: boolean;
}

/**
 * The PagerDuty Events v2 routes answer every client error as PagerDuty does, so that a sender's PagerDuty client
 * understands it: 400 {"status":"invalid event","message":"Event object is invalid","errors":[...]}.
 */
const speaksPagerDuty = (label: string): boolean => /^\/v2\/(change\/)?enqueue(\?|\s|$)/.test(label);
function pagerDutyProblems(res: LightMyRequestResponse, where: string): string[] {
  const said = res.body.slice(0, 300);
  if (res.statusCode !== 400) return [`${where}: ${res.statusCode}, expected PagerDuty's 400: ${said}`];
  try {
    const b = JSON.parse(res.body) as { status?: unknown; message?: unknown; errors?: unknown };
    const ok = b.status === 'invalid event' && b.message === 'Event object is invalid' && Array.isArray(b.errors) && b.errors.length > 0 && b.errors.every((e) => typeof e === 'string' && e !== '');
    return ok ? [] : [`${where}: 400 body is not PagerDuty's {"status":"invalid event","message","errors"}: ${said}`];
  } catch {
    return [`${where}: 400 body is not JSON: ${said}`];
  }
}

/** What is wrong with one answer: [] when it is a proper rejection (or an allowed success). */
function problemsWith(res: LightMyRequestResponse, method: string, label: string, want: Want = {}): string[] {
  const where = `${method} ${label.length > 160 ? `${label.slice(0, 160)}…` : label}`;
  const p: string[] = [];
  const s = res.statusCode;
  const rid = res.headers['x-request-id'];
  if (typeof rid !== 'string' || rid === '') p.push(`${where}: no x-request-id header`);
  const said = res.body.slice(0, 300);
  if (s >= 500) return [...p, `${where}: ${s} ${said}`];
  if (speaksPagerDuty(label) && s >= 400) return [...p, ...pagerDutyProblems(res, where)];
  if (want.status !== undefined && s !== want.status) p.push(`${where}: ${s}, expected ${want.status}: ${said}`);
  else if (want.status === undefined && !(s >= 400 && s < 500) && !(want.okToo && s >= 200 && s < 400)) {
    p.push(`${where}: ${s}, expected a 4xx: ${said}`);
  }
  if (s >= 400 && method !== 'HEAD') {
    let body: { error?: { code?: unknown; message?: unknown; details?: unknown; requestId?: unknown } } | undefined;
    try {
      body = JSON.parse(res.body);
    } catch {
      p.push(`${where}: ${s} body is not JSON: ${said}`);
    }
    const e = body?.error;
    if (body && (typeof e?.code !== 'string' || typeof e.message !== 'string' || e.message === '' || !Array.isArray(e.details))) {
      p.push(`${where}: ${s} body is not {"error":{"code","message","details"}}: ${said}`);
    } else if (e) {
      if (want.code !== undefined && e.code !== want.code) p.push(`${where}: error.code ${String(e.code)}, expected ${want.code}`);
      if (e.requestId !== rid) p.push(`${where}: error.requestId ${String(e.requestId)} is not the x-request-id ${String(rid)}`);
    }
  }
  return p;
}

type Payload = string | Buffer | (() => Readable);

interface Call {
  method: string;
  url: string;
  headers?: Record<string, string>;
  payload?: Payload;
  /** The admin token unless given; null sends no Authorization header. */
  token?: string | null;
}

const mib = 1024 * 1024;
const json: Record<string, string> = { 'content-type': 'application/json' };
const yaml: Record<string, string> = { 'content-type': 'application/yaml' };

/** Malformed JSON documents (and empty ones), each a 400 invalid_json. */
const malformedJson: [string, string][] = [
  ['truncated object', '{"name": "x",'],
  ['unclosed string', '{"name": "x'],
  ['single quotes', "{'name': 'x'}"],
  ['trailing garbage', '{"name":"x"}}'],
  ['bare word', 'undefined'],
  ['NaN', 'NaN'],
  ['trailing comma', '{"a":1,}'],
  ['comment', '{"a":1 /* hi */}'],
  ['lone bracket', ']'],
  ['empty', ''],
  ['whitespace only', ' \n\t '],
];

/** Bodies that are not UTF-8, or hold characters the store cannot keep: each a 400 invalid_encoding. */
const badText: [string, Record<string, string>, Buffer | string][] = [
  ['invalid UTF-8 in a JSON string', json, Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d])],
  ['overlong UTF-8', json, Buffer.concat([Buffer.from('{"a":"'), Buffer.from([0xc0, 0xaf]), Buffer.from('"}')])],
  ['UTF-8-encoded surrogate', json, Buffer.concat([Buffer.from('{"a":"'), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('"}')])],
  ['truncated UTF-8 sequence', json, Buffer.concat([Buffer.from('{"a":"'), Buffer.from([0xe2, 0x82])])],
  ['UTF-16 with a BOM', json, Buffer.from('\ufeff{"a":1}', 'utf16le')],
  ['Latin-1', json, Buffer.from('{"name":"café","role":"viewer"}', 'latin1')],
  ['invalid UTF-8 in YAML', yaml, Buffer.from([0x61, 0x3a, 0x20, 0xff, 0x0a])],
  ['invalid UTF-8 in text', { 'content-type': 'text/plain' }, Buffer.from([0x68, 0x69, 0xc3])],
  ['a raw NUL byte in YAML', yaml, Buffer.from('kind: Team\nmetadata: { name: "a\u0000b" }\n')],
  ['\\u0000 in a JSON string', json, '{"name":"a\\u0000b","role":"viewer"}'],
  ['\\u0000 in a JSON key', json, '{"\\u0000":1}'],
  ['an unpaired surrogate in a JSON string', json, '{"name":"a\\ud800","role":"viewer"}'],
  ['an unpaired low surrogate deep inside', json, '{"files":[{"name":"x.yaml","content":"\\udc00"}]}'],
];

/** Router-level rejections (Fastify answers before any route or hook runs). */
const routerLevelParams = ['%zz', '%ff', '%C0%AF', '%E0%A4%A', '%ED%A0%80', 'x'.repeat(300)];

/** Path parameter values no object, token or file has. */
const oddParams = [
  '%00',
  'a%00b',
  '%00%00%00%00',
  '.',
  '..',
  '%2e%2e',
  '..%2f..%2fetc%2fpasswd',
  '..%5c..%5cwindows',
  '%2F',
  '%20',
  'x'.repeat(254),
  'x'.repeat(256),
  '%E2%98%83',
  '%F0%9F%92%A9'.repeat(20),
  '%E2%80%AE', // right-to-left override
  '%EF%BF%BF', // a noncharacter
  '%EF%BB%BF', // a byte order mark
  '%27%20OR%201%3D1--',
  '%3Cscript%3Ealert(1)%3C%2Fscript%3E',
  '%24ne',
  '__proto__',
  'constructor',
  '-1',
  '9'.repeat(40),
  '%0d%0aX-Injected:%201',
];

const huge = 'a'.repeat(200_000);

/** Query strings any route must survive; routes without a query schema may ignore them. */
const oddQueries = [
  'unknown=1',
  '__proto__=x&constructor=y&prototype=z',
  '__proto__[admin]=true',
  `x=${huge}`,
  `${huge}=1`,
  '%00=%00',
  'a=%zz&b=%ff&c=%E0%A4%A',
  'a=1&'.repeat(10_000),
  '&&&==&=&',
  '?',
];

/** Values for each parameter a route's query schema declares. */
const oddQueryValues = [
  '',
  '%00',
  'a%00b',
  huge,
  '-1',
  '0',
  '1e999',
  'NaN',
  'Infinity',
  '9999999999999999999',
  '99999999999999999999999999999',
  '0x10',
  '0000-01-01T00:00:00Z',
  '2024-02-30T00:00:00Z',
  '275760-09-13T00:00:00Z',
  'true%00',
  '%E2%98%83',
  '%ED%A0%80',
  '[object Object]',
  'a=b,c',
  '=',
];

/** What the store holds, as the API shows it (token last-use times aside: reads update them). */
async function snapshot(api: TestApi): Promise<Record<string, unknown>> {
  const get = async (url: string) => {
    const r = await api.call('GET', url, { token: api.tokens.admin });
    expect(r.statusCode, `${url}: ${r.body}`).toBe(200);
    return r.json();
  };
  const kinds = (await get('/api/v1/kinds')).items as { plural: string }[];
  const state: Record<string, unknown> = {};
  for (const k of kinds) state[k.plural] = await get(`/api/v1/${k.plural}`);
  state.tokens = ((await get('/api/v1/tokens?all=true')).items as Record<string, unknown>[]).map(({ lastUsedAt: _, ...t }) => t);
  state.audit = await get('/api/v1/audit?limit=1000');
  return state;
}

for (const { backend, skip } of backends) {
  describe.skipIf(skip)(`bad input never crashes the server (${backend})`, () => {
    let api: TestApi;
    let routes: Route[];
    let before: Record<string, unknown>;
    let defaultLimit: number;
    /** For GET routes with parameters: a value that exists, so the handler itself meets the odd query. */
    const existing = new Map<string, string>();

    beforeAll(async () => {
      api = await startTestApi(backend);
      routes = await listRoutes(api.store);
      defaultLimit = api.app.initialConfig.bodyLimit!;
      before = await snapshot(api);
      for (const r of routes) {
        if (r.method !== 'GET' || !hasParams(r.url)) continue;
        const list = r.url.replace(/\/:[A-Za-z0-9_]+$/, '');
        if (list === r.url || !api.app.hasRoute({ method: 'GET', url: list })) continue;
        const res = await send({ method: 'GET', url: list });
        const first = (res.json() as { items?: { metadata?: { name?: string }; id?: string }[] }).items?.[0];
        const value = first?.metadata?.name ?? first?.id;
        if (value) existing.set(r.url, value);
      }
    });
    afterAll(async () => {
      await api?.close();
    });

    function send(r: Call): Promise<LightMyRequestResponse> {
      const headers: Record<string, string> = { ...(r.headers ?? {}) };
      const token = r.token === undefined ? api.tokens.admin : r.token;
      if (token !== null) headers.authorization = `Bearer ${token}`;
      const opts: InjectOptions = { method: r.method as 'GET', url: r.url, headers };
      if (r.payload !== undefined) opts.payload = typeof r.payload === 'function' ? r.payload() : r.payload;
      return api.app.inject(opts);
    }

    const writes = () => routes.filter((r) => isWrite(r.method));
    /** Writes go to a name that does not exist (a DELETE of a real token would succeed: bodies do not matter to it). */
    const writeUrl = (r: Route) => fill(r.url, nothing);
    const readUrl = (r: Route) => fill(r.url, existing.get(r.url) ?? nothing);
    const limits: Record<string, number> = { '/api/v1/apply': applyBodyLimit, '/api/v1/ingest': ingestBodyLimit };
    const limitOf = (r: Route) => limits[r.url] ?? defaultLimit;

    async function expectNoProblems(cases: (Call & { want?: Want; label?: string })[]): Promise<void> {
      const problems: string[] = [];
      for (const c of cases) {
        const res = await send(c);
        problems.push(...problemsWith(res, c.method, c.label ?? c.url, c.want));
      }
      expect(problems).toEqual([]);
    }

    it('reads every route from the router', async () => {
      const have = routes.map((r) => `${r.method} ${r.url}`);
      for (const r of routes) expect(api.app.hasRoute(r as { method: 'GET'; url: string }), `${r.method} ${r.url}`).toBe(true);
      expect(new Set(have).size).toBe(have.length);
      // The router's own listing names as many method-and-path pairs.
      const listed = [...api.app.printRoutes({ commonPrefix: false }).matchAll(/\(([A-Z, ]+)\)$/gm)].flatMap((m) => m[1]!.split(', '));
      expect(listed.length).toBe(routes.length);
      const kinds = (await send({ method: 'GET', url: '/api/v1/kinds' })).json().items as { plural: string }[];
      expect(kinds.length).toBeGreaterThan(0);
      const expected = [
        'POST /api/v1/apply',
        'POST /api/v1/tokens',
        'DELETE /api/v1/tokens/:id',
        'GET /api/v1/audit',
        'GET /healthz',
        'GET /readyz',
        'GET /metrics',
        'GET /api/docs/json',
        'GET /api/docs/static/*',
        ...kinds.flatMap((k) => [`GET /api/v1/${k.plural}`, `GET /api/v1/${k.plural}/:name`, `HEAD /api/v1/${k.plural}`]),
      ];
      expect(have).toEqual(expect.arrayContaining(expected));
      expect(writes().length).toBeGreaterThanOrEqual(3);
    });

    it('rejects malformed and empty JSON on every write route', async () => {
      await expectNoProblems(
        writes().flatMap((r) =>
          malformedJson.map(([label, payload]) => ({
            method: r.method,
            url: writeUrl(r),
            label: `${r.url} ${label}`,
            headers: json,
            payload,
            want: { status: 400, code: 'invalid_json' },
          })),
        ),
      );
    });

    it('rejects bodies over the limit (1 MiB; 16 MiB for apply and ingest), with and without a Content-Length', async () => {
      const cases = writes().flatMap((r) => {
        const size = limitOf(r) + mib; // ~2 MiB, and ~17 MiB for apply
        const big = Buffer.alloc(size, 0x20);
        const want = { status: 413, code: 'body_too_large' };
        return [
          { method: r.method, url: writeUrl(r), label: `${r.url} ${size} bytes`, headers: json, payload: big, want },
          { method: r.method, url: writeUrl(r), label: `${r.url} ${size} bytes, streamed`, headers: json, payload: () => Readable.from([big]), want },
          { method: r.method, url: writeUrl(r), label: `${r.url} ${size} bytes of YAML`, headers: yaml, payload: big, want },
        ];
      });
      // Content-Length that does not match the body.
      for (const r of writes()) {
        cases.push({ method: r.method, url: writeUrl(r), label: `${r.url} short Content-Length`, headers: { ...json, 'content-length': '5' }, payload: Buffer.from('{"a":1,"b":2}'), want: { status: 400, code: 'bad_request' } });
      }
      await expectNoProblems(cases);
    });

    it('rejects content types it does not read', async () => {
      const types: [string, Record<string, string>, string][] = [
        ['XML', { 'content-type': 'application/xml' }, '<token><name>x</name><role>viewer</role></token>'],
        ['multipart', { 'content-type': 'multipart/form-data; boundary=XyZ' }, '--XyZ\r\nContent-Disposition: form-data; name="name"\r\n\r\nx\r\n--XyZ--\r\n'],
        ['a form', { 'content-type': 'application/x-www-form-urlencoded' }, 'name=x&role=viewer'],
        ['no content type', {}, '{"name":"x","role":"viewer"}'],
        ['JSON in UTF-16', { 'content-type': 'application/json; charset=utf-16' }, '{"name":"x","role":"viewer"}'],
        ['HTML', { 'content-type': 'text/html' }, '<p>hi</p>'],
        ['octets', { 'content-type': 'application/octet-stream' }, '\u0001\u0002'],
        ['a malformed type', { 'content-type': ';;;' }, '{}'],
        ['a type with parameters only', { 'content-type': '; charset=utf-8' }, '{}'],
        ['a made-up JSON', { 'content-type': 'application/jsonx' }, '{}'],
      ];
      await expectNoProblems(
        writes().flatMap((r) =>
          types.map(([label, headers, payload]) => ({ method: r.method, url: writeUrl(r), label: `${r.url} ${label}`, headers, payload, want: { status: 415, code: 'unsupported_media_type' } })),
        ),
      );
    });

    it('reads JSON sent with a UTF-8 charset parameter as JSON (a string is the wrong shape everywhere, not an unknown type)', async () => {
      const variants = ['application/json; charset=utf-8', 'application/json;charset=UTF-8', 'application/json; charset="utf-8"'];
      const cases = writes().flatMap((r) => variants.map((ct) => ({ method: r.method, url: writeUrl(r), label: `${r.url} ${ct}`, headers: { 'content-type': ct }, payload: '"x"' })));
      // Any 4xx of the route's own (wrong shape, not found, forbidden...), never 415: the body was read as JSON.
      await expectNoProblems(cases);
      const unread: string[] = [];
      for (const c of cases) if ((await send(c)).statusCode === 415) unread.push(c.label);
      expect(unread).toEqual([]);
    });

    it('rejects JSON nested 10,000 deep, and survives YAML nested as deep', async () => {
      const deep = 10_000;
      const cases = writes().flatMap((r) => [
        { method: r.method, url: writeUrl(r), label: `${r.url} arrays ${deep} deep`, headers: json, payload: '['.repeat(deep) + ']'.repeat(deep), want: { status: 400, code: 'too_deep' } },
        { method: r.method, url: writeUrl(r), label: `${r.url} objects ${deep} deep`, headers: json, payload: '{"a":'.repeat(deep) + '1' + '}'.repeat(deep), want: { status: 400, code: 'too_deep' } },
        { method: r.method, url: writeUrl(r), label: `${r.url} unclosed ${deep} deep`, headers: json, payload: '[{"a":'.repeat(deep), want: { status: 400, code: 'too_deep' } },
        { method: r.method, url: writeUrl(r), label: `${r.url} ${deep} deep after a long string`, headers: json, payload: `{"a":"${'x'.repeat(1000)}","b":${'['.repeat(deep)}${']'.repeat(deep)}}`, want: { status: 400, code: 'too_deep' } },
        // YAML is read by the route; whatever it makes of it must still be a 4xx.
        { method: r.method, url: writeUrl(r), label: `${r.url} YAML flow ${deep} deep`, headers: yaml, payload: '['.repeat(deep) + ']'.repeat(deep) },
        { method: r.method, url: writeUrl(r), label: `${r.url} YAML mapping ${deep} deep`, headers: yaml, payload: '{a: '.repeat(deep) + '1' + '}'.repeat(deep) },
      ]);
      await expectNoProblems(cases);
    });

    it('rejects bodies that are not UTF-8 or hold characters the store cannot keep', async () => {
      await expectNoProblems(
        writes().flatMap((r) =>
          badText.map(([label, headers, payload]) => ({ method: r.method, url: writeUrl(r), label: `${r.url} ${label}`, headers, payload, want: { status: 400, code: 'invalid_encoding' } })),
        ),
      );
    });

    it('rejects JSON of the wrong shape on every route that takes a body', async () => {
      const spec = api.app.swagger() as { paths: Record<string, Record<string, { requestBody?: { content?: Record<string, { schema?: { properties?: Record<string, unknown> } }> } }>> };
      const cases: (Call & { want?: Want; label?: string })[] = [];
      for (const r of routes.filter((x) => takesBody(x.method))) {
        const shapes: [string, unknown][] = [
          ['an array', []],
          ['an array of objects', [{ name: 'x', role: 'viewer' }]],
          ['a string', 'x'],
          ['a number', 42],
          ['a huge number', 1e308],
          ['null', null],
          ['true', true],
          ['an empty object', {}],
          ['unknown fields only', { zzz: 1, __proto__x: 2 }],
          ['a __proto__ key', JSON.parse('{"__proto__":{"role":"admin","admin":true}}')],
          ['a constructor key', { constructor: { prototype: { admin: true } } }],
        ];
        // Every field the OpenAPI body schema declares, set to the wrong type at once.
        const openapiPath = r.url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
        const props = Object.keys(spec.paths[openapiPath]?.[r.method.toLowerCase()]?.requestBody?.content?.['application/json']?.schema?.properties ?? {});
        if (props.length) {
          shapes.push(['numbers where strings are expected', Object.fromEntries(props.map((p) => [p, 12345]))]);
          shapes.push(['objects everywhere', Object.fromEntries(props.map((p) => [p, { $ne: null }]))]);
          shapes.push(['arrays everywhere', Object.fromEntries(props.map((p) => [p, ['x']]))]);
          shapes.push(['huge strings everywhere', Object.fromEntries(props.map((p) => [p, 'x'.repeat(100_000)]))]);
          shapes.push(['empty strings everywhere', Object.fromEntries(props.map((p) => [p, '']))]);
        }
        for (const [label, value] of shapes) {
          cases.push({ method: r.method, url: writeUrl(r), label: `${r.url} ${label}`, headers: json, payload: JSON.stringify(value) });
        }
      }
      // What each body route understands, with one thing wrong.
      const token = (t: Record<string, unknown>) => ({ method: 'POST', url: '/api/v1/tokens', label: `/api/v1/tokens ${JSON.stringify(t).slice(0, 80)}`, headers: json, payload: JSON.stringify(t), want: { status: 400 } });
      cases.push(
        token({ name: 'x', role: 'root' }),
        token({ name: 'x', role: 'viewer', extra: true }),
        token({ name: 42, role: 'viewer' }),
        token({ name: 'x', role: 'viewer', expiresAt: 1893456000 }),
        token({ name: 'x', role: 'viewer', expiresAt: 'next tuesday' }),
        token({ name: 'x', role: 'viewer', expiresAt: '2024-02-30T00:00:00Z' }),
        token({ name: 'x', role: 'member' }),
        token({ name: 'x', role: 'member', team: '../payments' }),
        token({ name: 'x', role: 'member', team: { $ne: null } }),
        token({ name: 'x', role: 'ingest', services: 'checkout' }),
        token({ name: 'x', role: 'ingest', services: Array.from({ length: 1001 }, (_, i) => `s${i}`) }),
        token({ name: 'x', role: 'ingest', services: [1, 2] }),
        token({ name: 'x', role: 'viewer', team: 'payments' }),
        token({ name: 'x'.repeat(101), role: 'viewer' }),
      );
      const apply = (label: string, body: unknown, status = 400) => ({ method: 'POST', url: '/api/v1/apply', label: `/api/v1/apply ${label}`, headers: json, payload: JSON.stringify(body), want: { status } });
      cases.push(
        apply('files as a string', { files: 'x' }),
        apply('files as an object', { files: { name: 'a', content: 'b' } }),
        apply('no files', { files: [] }),
        apply('a file without content', { files: [{ name: 'a.yaml' }] }),
        apply('numbers for name and content', { files: [{ name: 1, content: 2 }] }),
        apply('content as a parsed document', { files: [{ name: 'a.yaml', content: { kind: 'Team' } }] }),
        apply('an unknown file field', { files: [{ name: 'a.yaml', content: '', mode: 'force' }] }),
        apply('an unknown top-level field', { files: [{ name: 'a.yaml', content: '' }], force: true }),
        apply('an empty file name', { files: [{ name: '', content: 'kind: Team' }] }),
        apply('10,001 files', { files: Array.from({ length: 10_001 }, (_, i) => ({ name: `f${i}.yaml`, content: '' })) }),
        apply('YAML that is not YAML', { files: [{ name: 'a.yaml', content: 'a: [1, 2\nb: : :\n\t- x' }] }, 422),
        apply('YAML of the wrong kind', { files: [{ name: 'a.yaml', content: 'apiVersion: pave/v1\nkind: Nope\nmetadata: { name: x }\nspec: {}\n' }] }, 422),
        apply('numbers where names are expected', { files: [{ name: 'a.yaml', content: 'apiVersion: pave/v1\nkind: Team\nmetadata: { name: 12 }\nspec: { members: 7 }\n' }] }, 422),
        apply('a YAML alias bomb', { files: [{ name: 'a.yaml', content: aliasBomb }] }, 422),
        apply('YAML nested 10,000 deep in a JSON string', { files: [{ name: 'a.yaml', content: '['.repeat(10_000) + ']'.repeat(10_000) }] }, 422),
        apply('a JSON string that is YAML of the wrong shape', 'just words', 422),
      );
      await expectNoProblems(cases);
    });

    it('rejects odd path parameters on every route that has them', async () => {
      const cases: (Call & { want?: Want; label?: string })[] = [];
      for (const r of routes.filter((x) => hasParams(x.url))) {
        for (const value of [...oddParams, ...routerLevelParams]) {
          // URLs are normalised, so dot segments may land a read on another route (/api/docs/static/.. is /api/docs/).
          const want = { okToo: !isWrite(r.method) && ['.', '..', '%2e%2e'].includes(value) };
          cases.push({ method: r.method, url: fill(r.url, value), label: fill(r.url, value), want });
          if (r.method !== 'GET' && r.method !== 'HEAD') {
            // ... and with a body that would be valid somewhere, so only the parameter can be what is wrong.
            cases.push({ method: r.method, url: fill(r.url, value), label: `${fill(r.url, value)} with a body`, headers: json, payload: '{}' });
          }
        }
      }
      // Router-level answers are checked for status here and for their shape in the test below.
      const problems: string[] = [];
      for (const c of cases) {
        const res = await send(c);
        if (routerLevelParams.some((v) => c.url.endsWith(v))) {
          if (res.statusCode < 400 || res.statusCode >= 500) problems.push(`${c.method} ${c.label!.slice(0, 160)}: ${res.statusCode} ${res.body.slice(0, 200)}`);
        } else {
          problems.push(...problemsWith(res, c.method, c.label!, c.want));
        }
      }
      expect(problems).toEqual([]);
    });

    // Fastify's router refuses a path with bad percent-encoding (400) or a parameter over maxParamLength (414) before
    // any hook runs; server.ts passes `frameworkErrors: frameworkErrorHandler` so those answers still carry pave's
    // error shape and an x-request-id.
    it('answers router-level rejections in the pave shape with a request id', async () => {
      await expectNoProblems(
        routes.filter((x) => hasParams(x.url)).flatMap((r) => routerLevelParams.map((v) => ({ method: r.method, url: fill(r.url, v), label: fill(r.url, v) }))),
      );
    });

    it('survives absurd query strings on every route, and routes with a query schema reject unknown parameters', async () => {
      const spec = api.app.swagger() as { paths: Record<string, Record<string, { parameters?: { in: string; name: string }[] }>> };
      const problems: string[] = [];
      for (const r of routes) {
        const url = isWrite(r.method) ? writeUrl(r) : readUrl(r);
        const declared = (spec.paths[r.url.replace(/:([A-Za-z0-9_]+)/g, '{$1}')]?.[r.method === 'HEAD' ? 'get' : r.method.toLowerCase()]?.parameters ?? [])
          .filter((p) => p.in === 'query')
          .map((p) => p.name);
        const queries = [...oddQueries, ...declared.flatMap((name) => [...oddQueryValues.map((v) => `${name}=${v}`), `${name}=1&${name}=2`, `${name}[]=1`, `${name}[a]=1`])];
        for (const q of queries) {
          // Reads may ignore what they do not know; writes (sent without a body) must fail whatever the query says.
          const res = await send({ method: r.method, url: `${url}?${q}` });
          const want: Want = { okToo: !isWrite(r.method) };
          if (declared.length && oddQueries.slice(0, 2).includes(q)) want.status = 400; // strict query schemas
          problems.push(...problemsWith(res, r.method, `${url}?${q}`, want));
        }
      }
      expect(problems).toEqual([]);
    });

    it('rejects abusive Authorization and request-id headers', async () => {
      const url = '/api/v1/services';
      const auth = ['Bearer ' + 'x'.repeat(100_000), 'Bearer pave_aaaaaaaaaa_' + 'A'.repeat(43), 'Bearer pave_%00', 'Basic YWRtaW46YWRtaW4=', 'Bearer', 'Bearer a b', 'bearer\t', '☃'];
      const problems: string[] = [];
      for (const a of auth) {
        const res = await send({ method: 'GET', url, token: null, headers: { authorization: a } });
        problems.push(...problemsWith(res, 'GET', `${url} Authorization: ${a.slice(0, 40)}`, { status: 401, code: 'unauthorized' }));
        if (!res.headers['www-authenticate']) problems.push(`Authorization ${a.slice(0, 40)}: no www-authenticate header`);
      }
      for (const id of ['a b', 'x'.repeat(129), '<script>', '../../etc', '', '☃']) {
        const res = await send({ method: 'GET', url: '/api/v1/services/nope', headers: { 'x-request-id': id } });
        problems.push(...problemsWith(res, 'GET', `x-request-id ${JSON.stringify(id.slice(0, 40))}`, { status: 404 }));
        if (res.headers['x-request-id'] === id) problems.push(`x-request-id ${JSON.stringify(id)} was echoed back`);
      }
      const given = await send({ method: 'GET', url: '/api/v1/services/nope', headers: { 'x-request-id': 'trace-1.2:3_4' } });
      expect(given.headers['x-request-id']).toBe('trace-1.2:3_4');
      expect(problems).toEqual([]);
    });

    it('answers public routes sanely without a token, even with absurd query strings', async () => {
      const problems: string[] = [];
      for (const url of ['/healthz', '/readyz', '/api/docs', '/api/docs/', '/api/docs/json', '/api/docs/yaml', '/api/docs/static/index.html', '/api/docs/static/swagger-ui.css']) {
        for (const q of ['', ...oddQueries]) {
          const res = await send({ method: 'GET', url: q ? `${url}?${q}` : url, token: null });
          const redirect = url.startsWith('/api/docs') && res.statusCode === 302 && Boolean(res.headers.location);
          if (res.statusCode !== 200 && !redirect) problems.push(`GET ${url}?${q.slice(0, 40)}: ${res.statusCode} ${res.body.slice(0, 200)}`);
          if (!res.headers['x-request-id']) problems.push(`GET ${url}?${q.slice(0, 40)}: no x-request-id`);
        }
      }
      expect(problems).toEqual([]);
      expect((await send({ method: 'GET', url: '/readyz', token: null })).json()).toMatchObject({ status: 'ready' });
      expect((await send({ method: 'GET', url: '/api/docs/json', token: null })).json()).toHaveProperty('openapi');
      // ... and the data routes still want a token.
      const res = await send({ method: 'GET', url: '/api/v1/services?zzz=1', token: null });
      expect(problemsWith(res, 'GET', '/api/v1/services without a token', { status: 401, code: 'unauthorized' })).toEqual([]);
    });

    it('reads apply bodies up to 16 MiB, and rejects bad flags before applying anything', async () => {
      const intruder = JSON.stringify({ files: [{ name: 'intruder.yaml', content: 'apiVersion: pave/v1\nkind: Team\nmetadata: { name: intruder }\nspec: { members: [alice] }\n' }] });
      const cases: (Call & { want?: Want; label?: string })[] = [
        // Over the default limit, under apply's: the body is read, and refused for its shape rather than its size.
        { method: 'POST', url: '/api/v1/apply', label: 'apply 2 MiB of the wrong shape', headers: json, payload: `{"x":"${'a'.repeat(2 * mib)}"}`, want: { status: 400, code: 'invalid_request' } },
        ...['dryRun=maybe', 'dryRun=', 'dryRun=true%00', 'prune=1&prune=0', 'prune[]=true', 'dryRun=TRUE', 'force=true', `dryRun=${huge}`].map((q) => ({
          method: 'POST',
          url: `/api/v1/apply?${q}`,
          label: `apply?${q.slice(0, 40)} with a valid body`,
          headers: json,
          payload: intruder,
          want: { status: 400, code: 'invalid_request' },
        })),
      ];
      await expectNoProblems(cases);
    });

    it('does not revoke a token when the DELETE body cannot be read', async () => {
      const tokens = (await send({ method: 'GET', url: '/api/v1/tokens' })).json().items as { id: string; name: string }[];
      const viewer = tokens.find((t) => t.name === 'viewer')!;
      const url = `/api/v1/tokens/${viewer.id}`;
      await expectNoProblems([
        { method: 'DELETE', url, label: `${url} malformed JSON`, headers: json, payload: '{"x":', want: { status: 400 } },
        { method: 'DELETE', url, label: `${url} invalid UTF-8`, headers: json, payload: Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]), want: { status: 400 } },
        { method: 'DELETE', url, label: `${url} too deep`, headers: json, payload: '['.repeat(10_000), want: { status: 400 } },
        { method: 'DELETE', url, label: `${url} too large`, headers: json, payload: Buffer.alloc(defaultLimit + 1, 0x20), want: { status: 413 } },
        { method: 'DELETE', url, label: `${url} XML`, headers: { 'content-type': 'application/xml' }, payload: '<a/>', want: { status: 415 } },
        { method: 'DELETE', url, label: `${url} no content type`, payload: 'garbage', want: { status: 415 } },
      ]);
      // Still valid: the viewer token still reads.
      expect((await send({ method: 'GET', url: '/api/v1/whoami', token: api.tokens.viewer })).statusCode).toBe(200);
    });

    it('still answers afterwards, with nothing written by any rejected request', async () => {
      const services = await send({ method: 'GET', url: '/api/v1/services' });
      expect(services.statusCode).toBe(200);
      expect((services.json().items as { metadata: { name: string } }[]).map((s) => s.metadata.name).sort()).toEqual(['checkout', 'payments-api', 'web']);
      expect((await send({ method: 'GET', url: '/healthz', token: null })).statusCode).toBe(200);
      const after = await snapshot(api);
      expect(after.audit).toEqual(before.audit); // no audit entry from any rejected request
      expect(after).toEqual(before); // catalog and tokens unchanged: no partial writes
    });
  });
}

/** Nine to the sixth aliases deep: the YAML library must refuse it, not expand it. */
const aliasBomb = [
  'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
  'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]',
  'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]',
  'd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]',
  'e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]',
  'f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]',
  'g: [*f,*f,*f,*f,*f,*f,*f,*f,*f]',
  '',
].join('\n');
