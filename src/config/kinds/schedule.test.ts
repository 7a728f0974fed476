// The Schedule kind, called directly (not through the kind registry): schema and errors at file:line:column,
// references, owners, filters, the mapping onto the domain, and the examples in docs/config/schedule.md.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { catalogView, type ConfigObject } from '../../domain/objects.js';
import { onCallAt, shiftsBetween } from '../../domain/oncall/shifts.js';
import { wallClockAt } from '../../domain/time/zone.js';
import { formatPath, parseSourceFile } from '../source.js';
import { formatIssue, issueFromZod, sortIssues } from '../validate.js';
import { schedule, toSchedule, type ScheduleSpec } from './schedule.js';

/** What `pave validate` does for each Schedule document: its spec through the kind's schema, errors located. */
function validate(content: string, file = 'bad/schedule.yaml'): { objects: ConfigObject<ScheduleSpec>[]; errors: string[] } {
  const objects: ConfigObject<ScheduleSpec>[] = [];
  const issues = [];
  for (const doc of parseSourceFile({ name: file, content }).documents) {
    const d = doc.value as { kind: string; metadata: { name: string }; spec?: unknown };
    if (d.kind !== 'Schedule') continue;
    const parsed = schedule.specSchema.safeParse(d.spec ?? {});
    if (parsed.success) objects.push({ apiVersion: 'pave/v1', kind: 'Schedule', metadata: d.metadata, spec: parsed.data });
    else issues.push(...parsed.error.issues.flatMap((i) => issueFromZod(i, doc, ['spec'], d, file)));
  }
  return { objects, errors: sortIssues(issues).map(formatIssue) };
}

/** The references checkCatalog would report as unknown in `catalog`. */
function unknownReferences(obj: ConfigObject<ScheduleSpec>, catalog: ConfigObject[]): string[] {
  const view = catalogView(catalog);
  return schedule
    .references(obj.spec)
    .filter((r) => !view.get(r.kind, r.name))
    .map((r) => `${formatPath(r.path)}: ${r.kind} ${r.name}`);
}

/** The `examples/` catalog's people and teams, as objects (they are valid; only kinds and names matter here). */
function exampleCatalog(): ConfigObject[] {
  return ['people.yaml', 'teams.yaml'].flatMap((f) =>
    parseSourceFile({ name: f, content: readFileSync(new URL(`../../../examples/${f}`, import.meta.url), 'utf8') }).documents.map((d) => d.value as ConfigObject),
  );
}

const page = readFileSync(new URL('../../../docs/config/schedule.md', import.meta.url), 'utf8');
const blocks = [...page.matchAll(/```(\w*)\n([\s\S]*?)```/g)].map((m) => ({ lang: m[1], text: m[2]! }));

const minimal = `apiVersion: pave/v1
kind: Schedule
metadata: { name: payments-primary }
spec:
  owner: payments
  timezone: Europe/Paris
  layers:
    - name: weekly
      participants: [alice, bob, chen]
      length: 1w
      handoff: 09:00
      start: 2024-03-25
      end: 2024-06-01T00:00Z
      restrictions:
        - { from: "22:00", to: "06:00" }
  swaps:
    - { people: [alice, chen], start: 2024-04-01T09:00, end: 2024-04-15T09:00+02:00, reason: holiday }
  overrides:
    - { person: dana, start: 2024-03-31T02:30, end: 2024-03-31T12:00:30Z }
`;

describe('Schedule kind: schema', () => {
  it('reads a schedule, fills the defaults, and maps it onto the domain', () => {
    const { objects, errors } = validate(minimal);
    expect(errors).toEqual([]);
    const obj = objects[0]!;
    expect(obj.spec.layers[0]!.restrictions[0]!.days).toEqual(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']);
    expect(toSchedule(obj)).toEqual({
      name: 'payments-primary',
      timeZone: 'Europe/Paris',
      layers: [
        {
          name: 'weekly',
          participants: ['alice', 'bob', 'chen'],
          lengthMinutes: 10_080,
          handoff: '09:00',
          start: '2024-03-25',
          end: Date.parse('2024-06-01T00:00Z'),
          restrictions: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], from: '22:00', to: '06:00' }],
        },
      ],
      // Local date-times are read in the schedule's zone: 1 April 09:00 in Paris is CEST (UTC+2), 07:00Z.
      swaps: [{ people: ['alice', 'chen'], start: Date.parse('2024-04-01T07:00Z'), end: Date.parse('2024-04-15T07:00Z') }],
      // 31 March 02:30 does not exist in Paris (clocks jump 02:00 → 03:00 at 01:00Z): the first instant after the gap.
      overrides: [{ person: 'dana', start: Date.parse('2024-03-31T01:00Z'), end: Date.parse('2024-03-31T12:00:30Z') }],
    });
  });

  it('reports unknown fields and wrong types where they are written', () => {
    const bad = minimal.replace('      length: 1w\n', '      length: 7\n      rotation: weekly\n').replace('[alice, bob, chen]', 'alice');
    expect(validate(bad).errors).toEqual([
      'bad/schedule.yaml:9:21: error: spec.layers[0].participants: wrong type (expected a list, found string "alice")',
      'bad/schedule.yaml:10:15: error: spec.layers[0].length: wrong type (expected a string, found number 7)',
      'bad/schedule.yaml:11:7: error: spec.layers[0].rotation: unknown field "rotation" (expected only the fields documented for this kind, found rotation)',
    ]);
  });

  it('says why a rotation length is not one', () => {
    const lengthError = (length: string) => validate(minimal.replace('length: 1w', `length: ${length}`)).errors;
    expect(lengthError('0d')).toEqual(["bad/schedule.yaml:10:15: error: spec.layers[0].length: rotation length '0d': a duration must be longer than zero (found string \"0d\")"]);
    expect(lengthError('-1d')[0]).toContain("rotation length '-1d': unexpected '-1d'");
    expect(lengthError('1mo')[0]).toContain("months, quarters and years vary in length: use weeks or days, e.g. 4w or 30d");
  });

  it('rejects weekdays, times and date-times that are not ones', () => {
    const bad = minimal
      .replace('{ from: "22:00", to: "06:00" }', '{ days: [monday], from: "22:00", to: "24:30" }')
      .replace('end: 2024-06-01T00:00Z', 'end: 2024-06-31T00:00Z')
      .replace('start: 2024-03-31T02:30', 'start: 2024-03-31');
    expect(validate(bad).errors).toEqual([
      'bad/schedule.yaml:13:12: error: spec.layers[0].end: a date-time: 2024-03-01T18:00 (wall-clock time in the schedule\'s timezone) or with an offset, 2024-03-01T17:00Z or 2024-03-01T18:00+01:00 (found string "2024-06-31T00:00Z")',
      'bad/schedule.yaml:15:20: error: spec.layers[0].restrictions[0].days[0]: not an allowed value (expected one of "mon", "tue", "wed", "thu", "fri", "sat", "sun", found string "monday")',
      'bad/schedule.yaml:15:48: error: spec.layers[0].restrictions[0].to: a time of day HH:MM from 00:00 to 24:00, e.g. "17:00" (found string "24:30")',
      'bad/schedule.yaml:19:30: error: spec.overrides[0].start: a date-time: 2024-03-01T18:00 (wall-clock time in the schedule\'s timezone) or with an offset, 2024-03-01T17:00Z or 2024-03-01T18:00+01:00 (found string "2024-03-31")',
    ]);
  });

  it('needs an owner, a zone and at least one layer with a participant', () => {
    const { errors } = validate('apiVersion: pave/v1\nkind: Schedule\nmetadata: { name: x }\nspec:\n  timezone: Mars/Olympus\n  layers: [{ name: a, participants: [], length: 1d, handoff: "00:00", start: 2024-01-01 }]\n');
    expect(errors).toEqual([
      'bad/schedule.yaml:5:3: error: spec.owner: required field is missing (expected a string, found nothing)',
      'bad/schedule.yaml:5:13: error: spec.timezone: an IANA time zone such as Europe/Paris or UTC (found string "Mars/Olympus")',
      'bad/schedule.yaml:6:37: error: spec.layers[0].participants: too small (expected at least 1 items, found a list of 0)',
    ]);
    expect(validate('apiVersion: pave/v1\nkind: Schedule\nmetadata: { name: x }\nspec: { owner: t, timezone: UTC, layers: [] }\n').errors).toEqual([
      'bad/schedule.yaml:4:42: error: spec.layers: too small (expected at least 1 items, found a list of 0)',
    ]);
  });
});

describe('Schedule kind: catalog', () => {
  const [obj] = validate(minimal).objects;

  it('refers to its owning team and to every person it names', () => {
    expect(schedule.references(obj!.spec).map((r) => `${formatPath(r.path)} → ${r.kind}/${r.name}`)).toEqual([
      'spec.owner → Team/payments',
      'spec.layers[0].participants[0] → Person/alice',
      'spec.layers[0].participants[1] → Person/bob',
      'spec.layers[0].participants[2] → Person/chen',
      'spec.swaps[0].people[0] → Person/alice',
      'spec.swaps[0].people[1] → Person/chen',
      'spec.overrides[0].person → Person/dana',
    ]);
    expect(unknownReferences(obj!, exampleCatalog())).toEqual([]);
    const withoutDana = exampleCatalog().filter((o) => !(o.kind === 'Person' && o.metadata.name === 'dana'));
    expect(unknownReferences(obj!, withoutDana)).toEqual(['spec.overrides[0].person: Person dana']);
    expect(unknownReferences(obj!, [])).toHaveLength(7);
  });

  it('is owned by its owner; lists and filters by owner and person', () => {
    expect(schedule.owners(obj!, catalogView([]))).toEqual(['payments']);
    expect(schedule.columns(obj!)).toEqual({ name: 'payments-primary', owner: 'payments', timezone: 'Europe/Paris', layers: 'weekly', people: '4', overrides: '1' });
    expect(schedule.filters!.owner!(obj!, 'payments')).toBe(true);
    expect(schedule.filters!.team!(obj!, 'platform')).toBe(false);
    expect(schedule.filters!.person!(obj!, 'dana')).toBe(true);
    expect(schedule.filters!.person!(obj!, 'emeka')).toBe(false);
  });
});

describe('docs/config/schedule.md', () => {
  const example = blocks.find((b) => b.lang === 'yaml' && b.text.includes('name: platform-primary'))!.text;

  it('the worked follow-the-sun example is valid against the examples catalog', () => {
    const { objects, errors } = validate(example, 'schedule.yaml');
    expect(errors).toEqual([]);
    expect(unknownReferences(objects[0]!, exampleCatalog())).toEqual([]);
  });

  it("the worked example's week is what shiftsBetween gives", () => {
    const s = toSchedule(validate(example, 'schedule.yaml').objects[0]!);
    const local = (ms: number) => {
      const wall = new Date(wallClockAt(ms, 'Europe/Berlin'));
      return `${wall.toUTCString().slice(0, 3)} ${wall.toUTCString().slice(5, 11)} ${wall.toISOString().slice(11, 16)}`;
    };
    // Monday 25 March 00:00 CET (23:00Z the day before) to Monday 1 April 00:00 CEST (22:00Z).
    const shifts = shiftsBetween(s, Date.parse('2024-03-24T23:00Z'), Date.parse('2024-03-31T22:00Z'));
    const rows = shifts.map((x) => {
      const source = x.sources.map((src) => (src.type === 'layer' ? src.layer : `override ${src.override}`)).join(', ');
      return `| ${local(x.start)} | ${local(x.end)} | ${new Date(x.start).toISOString().slice(0, 16)}Z | ${(x.end - x.start) / 3_600_000} | ${x.person} | ${source} |`;
    });
    const table = page.slice(page.indexOf('| from (Berlin) |')).split('\n').slice(2).filter((l) => l.startsWith('|'));
    expect(rows).toEqual(table);
    expect(onCallAt(s, Date.parse('2024-03-30T12:00Z'))).toEqual({ person: 'emeka', source: { type: 'layer', layer: 'base' } });
  });

  it('the common errors are the ones pave reports', () => {
    const bad = blocks.find((b) => b.lang === 'yaml' && b.text.includes('Europe/Pariss'))!.text;
    const [first, second] = blocks.filter((b) => b.lang === '' && b.text.startsWith('bad/schedule.yaml:')).map((b) => b.text.trimEnd().split('\n'));
    expect(validate(bad).errors).toEqual(first);
    const fixed = validate(bad.replace('"2024-04-02 18:00"', '2024-04-02T18:00')).errors;
    expect(fixed.filter((e) => !first!.includes(e))).toEqual(second);
  });
});
