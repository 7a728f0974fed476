// readMinutes reads each series' minutes packed into one text; it must give exactly the rows a plain select gives,
// on both engines, including counts far above 32 bits and minutes at the range's edges.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureSeries, readMinutes, unpackMinutes, type CountRow } from '../../src/store/sli.js';
import { backends, openTestStore, type TestStore } from '../support/stores.js';

const MINUTE = 60_000;
const start = Date.UTC(2026, 9, 25, 0, 0); // a DST change in Europe: irrelevant to UTC minutes, and so it must stay

const key = (r: CountRow) => `${r.seriesId}@${r.minuteMs}`;
const sorted = (rows: CountRow[]) => [...rows].sort((a, b) => (key(a) < key(b) ? -1 : 1));

for (const { backend, skip } of backends) {
  describe.skipIf(skip)(`readMinutes on ${backend}`, () => {
    let store: TestStore;
    let ids: string[];
    const written: CountRow[] = [];
    beforeAll(async () => {
      store = await openTestStore(backend);
      const m = await ensureSeries(store.db, [0, 1, 2].map((i) => ({ key: `read_test{i="${i}"}`, name: 'read_test', labels: { i: String(i) } })));
      ids = [...m.values()];
      // A fixed pseudo-random fill: most minutes of two days, some left out, a few huge counts.
      let seed = 7;
      const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
      for (const id of ids) {
        for (let i = 0; i < 2 * 1440; i++) {
          if (rnd() < 0.2) continue;
          const total = i % 500 === 0 ? 2 ** 52 + i : Math.floor(rnd() * 10_000);
          written.push({ seriesId: id, minuteMs: start + i * MINUTE, good: Math.floor(total * rnd()), total });
        }
      }
      for (let i = 0; i < written.length; i += 2000) {
        await store.db
          .insertInto('sli_minutes')
          .values(written.slice(i, i + 2000).map((r) => ({ series_id: r.seriesId, minute: new Date(r.minuteMs), good: String(r.good), total: String(r.total) })))
          .execute();
      }
    }, 120_000);
    afterAll(async () => store?.close());

    it('gives exactly the stored rows of the asked series and range', async () => {
      const from = start + 17 * MINUTE;
      const to = start + 1900 * MINUTE;
      const asked = [ids[0]!, ids[2]!];
      const got = await readMinutes(store.db, asked, from, to);
      const { rows } = await sql<{ series_id: string; minute: Date | string; good: string; total: string }>`
        select series_id::text as series_id, minute, good::text as good, total::text as total from sli_minutes
        where series_id in (${sql.join(asked.map((id) => sql`cast(${id} as bigint)`))}) and minute >= ${new Date(from)} and minute < ${new Date(to)}`.execute(store.db);
      const plain = rows.map((r) => ({ seriesId: r.series_id, minuteMs: new Date(r.minute).getTime(), good: Number(r.good), total: Number(r.total) }));
      expect(plain.length).toBeGreaterThan(2000);
      expect(sorted(got)).toEqual(sorted(plain));
      // And what was written, independently of any query: the edges are [from, to).
      expect(sorted(got)).toEqual(sorted(written.filter((r) => asked.includes(r.seriesId) && r.minuteMs >= from && r.minuteMs < to)));
      expect(got.some((r) => r.total > 2 ** 52)).toBe(true);
    });

    it('answers nothing for no series, an empty range or a range without data', async () => {
      expect(await readMinutes(store.db, [], start, start + MINUTE)).toEqual([]);
      expect(await readMinutes(store.db, ids, start, start)).toEqual([]);
      expect(await readMinutes(store.db, ids, start - 10 * MINUTE, start)).toEqual([]);
    });
  });
}

describe('unpackMinutes', () => {
  it('reads rows and refuses anything that is not minute,good,total', () => {
    const out: CountRow[] = [];
    unpackMinutes('9', '29000000,1,2;29000001,0,9007199254740991', out);
    expect(out).toEqual([
      { seriesId: '9', minuteMs: 29_000_000 * MINUTE, good: 1, total: 2 },
      { seriesId: '9', minuteMs: 29_000_001 * MINUTE, good: 0, total: 9_007_199_254_740_991 },
    ]);
    expect(() => unpackMinutes('9', '1,2', [])).toThrow(/series 9 at character 3/);
    expect(() => unpackMinutes('9', '1,-2,3', [])).toThrow(/character 2/);
  });
});
