import { it } from 'vitest';
import { Readable } from 'node:stream';
import { startTestApi } from '../support/api.js';
const backend = (process.env.PROBE_BACKEND ?? 'pglite') as 'pglite';
it('probe', async () => {
  const t0 = Date.now();
  const a = await startTestApi(backend);
  console.log('start', Date.now() - t0);
  const tok = { authorization: `Bearer ${a.tokens.admin}` };
  const viewerId = (JSON.parse((await a.app.inject({ method: 'GET', url: '/api/v1/whoami', headers: { authorization: `Bearer ${a.tokens.viewer}` } })).body).actor as string).match(/token:(\w+)/)![1];
  const probes: [string, string, Record<string, string>?, (string | Buffer | Readable)?][] = [
    ['GET', '/api/v1/services/%00'],
    ['GET', '/api/v1/services/a%00b'],
    ['GET', '/api/v1/services/' + 'x'.repeat(300)],
    ['GET', '/api/v1/services/' + 'x'.repeat(254)],
    ['GET', '/api/v1/services/%zz'],
    ['GET', '/api/v1/services/%ff'],
    ['GET', '/api/v1/services/%E0%A4%A'],
    ['GET', '/api/v1/services/%E2%98%83'],
    ['GET', '/api/v1/services/..'],
    ['GET', '/api/v1/services/%2e%2e'],
    ['GET', '/api/v1/services/..%2f..%2fetc%2fpasswd'],
    ['GET', '/api/v1/services/%ED%A0%80'],
    ['DELETE', '/api/v1/tokens/%00'],
    ['DELETE', '/api/v1/tokens/%zz'],
    ['DELETE', '/api/v1/tokens/' + 'x'.repeat(300)],
    ['GET', '/api/v1/audit?kind=%00'],
    ['GET', '/api/v1/audit?name=a%00'],
    ['GET', '/api/v1/audit?limit=1e999'],
    ['GET', '/api/v1/audit?limit=1&limit=2'],
    ['GET', '/api/v1/audit?before=9999999999999999999'],
    ['GET', '/api/v1/audit?since=0000-01-01T00:00:00Z'],
    ['GET', '/api/v1/audit?since=2024-02-30T00:00:00Z'],
    ['GET', '/api/v1/audit?__proto__=1'],
    ['GET', '/api/v1/audit?kind=%ED%A0%80'],
    ['GET', '/api/v1/audit?kind=%zz'],
    ['GET', '/api/v1/services?labels=' + 'a=b,'.repeat(50000) + 'a'],
    ['GET', '/api/v1/services?zzz=1'],
    ['GET', '/api/v1/whoami?zzz=1'],
    ['GET', '/api/docs/static/..%2f..%2fpackage.json'],
    ['GET', '/api/docs/static/%00'],
    ['GET', '/api/docs/..'],
    ['GET', '/api/docs/' + 'x'.repeat(300)],
    ['GET', '/api/docs/%zz'],
    ['GET', '/metrics?x=%00'],
    ['POST', '/api/v1/tokens', { 'content-type': 'application/json' }, '{"name":'],
    ['POST', '/api/v1/tokens', { 'content-type': 'application/xml' }, '<a/>'],
    ['POST', '/api/v1/tokens', { 'content-type': 'multipart/form-data; boundary=x' }, '--x\r\n\r\n--x--'],
    ['POST', '/api/v1/tokens', {}, '{"name":"x","role":"viewer"}'],
    ['POST', '/api/v1/tokens', { 'content-type': 'application/json; charset=utf-16' }, '{}'],
    ['POST', '/api/v1/tokens', { 'content-type': 'APPLICATION/JSON' }, '{}'],
    ['POST', '/api/v1/tokens', { 'content-type': 'text/plain' }, 'hello'],
    ['POST', '/api/v1/tokens', { 'content-type': 'application/json' }, '{"name":"a\\u0000","role":"viewer"}'],
    ['POST', '/api/v1/tokens', { 'content-type': 'application/json' }, '{"name":"a\\ud800","role":"viewer"}'],
    ['POST', '/api/v1/tokens', { 'content-type': 'application/json' }, '{"name":"x","role":"viewer","expiresAt":"0000-01-01T00:00:00Z"}'],
    ['POST', '/api/v1/tokens', { 'content-type': 'application/json' }, '{"__proto__":{"role":"admin"}}'],
    ['POST', '/api/v1/tokens', { 'content-type': 'application/json' }, '['.repeat(10000) + ']'.repeat(10000)],
    ['POST', '/api/v1/tokens', { 'content-type': 'application/json' }, Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d])],
    ['POST', '/api/v1/tokens', { 'content-type': 'application/json' }, Buffer.alloc(1024 * 1024 + 10, 0x20)],
    ['POST', '/api/v1/tokens', { 'content-type': 'application/json' }, Readable.from([Buffer.alloc(1024 * 1024 + 10, 0x20)])],
    ['POST', '/api/v1/tokens', { 'content-type': 'application/json', 'content-length': '5' }, '{"a":1,"b":2}'],
    ['POST', '/api/v1/tokens', { 'content-type': 'application/json' }, ''],
    ['POST', '/api/v1/tokens', {}, undefined],
    ['POST', '/api/v1/apply', { 'content-type': 'application/yaml' }, '['.repeat(10000)],
    ['POST', '/api/v1/apply', { 'content-type': 'application/yaml' }, '['.repeat(100000) + ']'.repeat(100000)],
    ['POST', '/api/v1/apply', { 'content-type': 'application/yaml' }, '{a: '.repeat(50000) + '1' + '}'.repeat(50000)],
    ['POST', '/api/v1/apply', { 'content-type': 'application/json' }, JSON.stringify({ files: [{ name: 'a', content: '['.repeat(100000) + ']'.repeat(100000) }] })],
    ['POST', '/api/v1/apply', { 'content-type': 'application/yaml' }, 'a: "\u0000"'],
    ['POST', '/api/v1/apply', { 'content-type': 'application/json' }, JSON.stringify({ files: [{ name: 'a\u0000', content: 'x: 1' }] })],
    ['POST', '/api/v1/apply', { 'content-type': 'application/json' }, JSON.stringify({ files: [{ name: 'a', content: 'apiVersion: pave/v1\nkind: Team\nmetadata: { name: zz }\nspec: { members: [alice], description: "a\\0b" }\n' }] })],
    ['POST', '/api/v1/apply', { 'content-type': 'application/json' }, JSON.stringify({ files: [{ name: 'a', content: 'apiVersion: pave/v1\nkind: Team\nmetadata: { name: zz, labels: { "a\\0": b } }\nspec: { members: [alice] }\n' }] })],
    ['POST', '/api/v1/apply', { 'content-type': 'application/json' }, '{"files":[{"name":"a","content":"apiVersion: pave/v1\\nkind: Team\\nmetadata: { name: zz }\\nspec: { members: [alice], displayName: \\"\\ud800\\" }\\n"}]}'],
    ['POST', '/api/v1/apply', { 'content-type': 'application/yaml' }, 'a: &a [1,2,3]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n'],
    ['POST', '/api/v1/apply', { 'content-type': 'application/json' }, Buffer.alloc(17 * 1024 * 1024, 0x20)],
    ['POST', '/api/v1/apply', { 'content-type': 'application/json' }, Readable.from([Buffer.alloc(17 * 1024 * 1024, 0x20)])],
    ['POST', '/api/v1/apply', { 'content-type': 'application/json' }, '{"x":"' + 'a'.repeat(2 * 1024 * 1024) + '"}'],
    ['POST', '/api/v1/apply?dryRun=maybe', { 'content-type': 'application/json' }, '{"files":[]}'],
    ['DELETE', `/api/v1/tokens/${viewerId}`, { 'content-type': 'application/json' }, '{"x":'],
    ['DELETE', `/api/v1/tokens/${viewerId}`, {}, 'garbage'],
    ['DELETE', `/api/v1/tokens/${viewerId}`, { 'content-type': 'application/xml' }, '<a/>'],
  ];
  for (const [method, url, headers, payload] of probes) {
    const s = Date.now();
    let r;
    try {
      r = await a.app.inject({ method: method as 'GET', url, headers: { ...tok, ...(headers ?? {}) }, ...(payload !== undefined ? { payload } : {}) });
    } catch (e) { console.log('THROW', method, url.slice(0, 80), e); continue; }
    console.log(method, url.slice(0, 70), (headers?.['content-type'] ?? '').slice(0, 20), typeof payload === 'string' ? payload.slice(0, 30) : '', '=>', r.statusCode, r.headers['x-request-id'] ? 'rid' : 'NO-RID', r.body.slice(0, 180).replace(/\n/g, ' '), Date.now() - s, 'ms');
  }
  await a.close();
});
