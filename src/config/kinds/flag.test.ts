import { describe, expect, it } from 'vitest';
import { compileFlag, isFailure } from '../../domain/flags/evaluate.js';
import type { ConfigObject } from '../../domain/objects.js';
import { teamAndService } from '../test-catalog.js';
import { formatIssue, validateCatalogFiles } from '../validate.js';
import { flagDefinition, flagLifetimeMinutes, type FlagSpec } from './flag.js';

function validate(content: string) {
  const v = validateCatalogFiles([{ name: 'flags.yaml', content: teamAndService + content }]);
  return { issues: v.issues.map(formatIssue), objects: v.objects.map((o) => o.object) };
}

const doc = (name: string, spec: string) => `apiVersion: pave/v1\nkind: Flag\nmetadata: { name: ${name} }\nspec:\n${spec}---\n`;

describe('Flag', () => {
  it('reads boolean and multivariate flags into definitions: defaults, rules, rollout, lifetime', () => {
    const { issues, objects } = validate(
      doc('new-checkout', `  owner: payments\n  services: [checkout]\n  rollout: { percentage: 5 }\n`) +
        doc(
          'button-color',
          [
            '  owner: payments',
            '  purpose: experiment',
            '  expectedLifetime: 14d',
            '  variants: { blue: "#00f", green: "#0f0", red: "#f00" }',
            '  defaultVariant: blue',
            '  offVariant: red',
            '  rules:',
            '    - name: staff',
            '      when: [ { attribute: email, operator: ends_with, values: ["@example.com"], caseInsensitive: true } ]',
            '      variant: green',
            '    - when: [ { attribute: appVersion, operator: semver_gte, value: 2.1.0 }, { attribute: country, operator: not_in, values: [FR] } ]',
            '      percentage: 50',
            '      split: [ { variant: blue, weight: 500 }, { variant: green, weight: 500 } ]',
            '      stickiness: userId',
            '',
          ].join('\n'),
        ) +
        doc('limits', `  owner: payments\n  purpose: kill-switch\n  variants: { small: { max: 10 }, large: { max: 100 } }\n  defaultVariant: small\n`),
    );
    expect(issues).toEqual([]);
    const get = (n: string) => objects.find((o) => o.kind === 'Flag' && o.metadata.name === n)! as ConfigObject<FlagSpec>;
    expect(flagDefinition(get('new-checkout'))).toEqual({
      key: 'new-checkout',
      type: 'boolean',
      variants: { on: true, off: false },
      defaultVariant: 'off',
      offVariant: 'off',
      enabled: true,
      rules: [],
      rollout: { name: 'rollout', conditions: [], variant: 'on', percentage: 5, stickiness: 'targetingKey', groupId: 'new-checkout' },
      metadata: { owner: 'payments', purpose: 'release' },
    });
    const color = flagDefinition(get('button-color'));
    expect(color.type).toBe('string');
    expect(color.offVariant).toBe('red');
    expect(color.rules[0]).toEqual({
      name: 'staff',
      conditions: [{ attribute: 'email', operator: 'ends_with', values: ['@example.com'], caseInsensitive: true }],
      variant: 'green',
      stickiness: 'targetingKey',
      groupId: 'button-color',
    });
    expect(color.rules[1]).toMatchObject({ name: 'rule-2', percentage: 50, stickiness: 'userId', split: [{ variant: 'blue', weight: 500 }, { variant: 'green', weight: 500 }] });
    expect(flagDefinition(get('limits')).type).toBe('object');
    expect(flagLifetimeMinutes(get('new-checkout').spec)).toBe(40 * 1440);
    expect(flagLifetimeMinutes(get('button-color').spec)).toBe(14 * 1440);
    expect(flagLifetimeMinutes(get('limits').spec)).toBeNull();
    // The compiled YAML evaluates: staff by email (case folded), others by their sticky split.
    const f = compileFlag(color);
    expect(f.evaluate({ targetingKey: 'u1', email: 'Ann@EXAMPLE.com' }, 0)).toMatchObject({ value: '#0f0', variant: 'green', reason: 'TARGETING_MATCH' });
    const r = f.evaluate({ targetingKey: 'u1', appVersion: '1.9.0' }, 0);
    expect(isFailure(r) ? r : r.reason).toBe('DEFAULT');
  });

  it('refuses, with file:line and the field: mixed variant types, unknown variants, both variant and split, bad operators and values, bad percentages, unknown owner', () => {
    const { issues } = validate(
      doc('a', `  owner: payments\n  variants: { x: 1, y: "two" }\n  defaultVariant: x\n`) +
        doc('b', `  owner: payments\n  variants: { x: 1, y: 2 }\n  defaultVariant: z\n  rules: [ { variant: x, split: [ { variant: y, weight: 1 } ] } ]\n`) +
        doc('c', `  owner: payments\n  rules: [ { when: [ { attribute: v, operator: semver_gt, value: v1.2 } ], variant: on } ]\n`) +
        doc('d', `  owner: payments\n  rules: [ { when: [ { attribute: n, operator: lt, values: [1, 2] } ], variant: on }, { when: [ { attribute: d, operator: after, value: tomorrow } ], variant: on } ]\n`) +
        doc('e', `  owner: payments\n  rollout: { percentage: 150 }\n`) +
        doc('f', `  owner: nobody\n  rules: [ { when: [ { attribute: x, operator: like, values: [a] } ], variant: on } ]\n`) +
        doc('g', `  owner: payments\n  variants: { x: 1, y: 2 }\n  defaultVariant: x\n  rollout: { percentage: 10 }\n  typo: 1\n`),
    );
    expect(issues).toEqual([
      'flags.yaml:16:13: error: spec.variants: every variant must have the same type, got number and string (found a map)',
      'flags.yaml:25:19: error: spec.defaultVariant: unknown variant z: expected one of x, y (found string "z")',
      'flags.yaml:26:33: error: spec.rules[0].split: give variant or split, not both (found a list of 1)',
      'flags.yaml:33:66: error: spec.rules[0].when[0].value: semver_gt needs a semantic version such as 2.1.0 or 2.1.0-beta.1 (no leading v), got "v1.2" (found string "v1.2")',
      'flags.yaml:40:60: error: spec.rules[0].when[0].values: lt compares with exactly one value (found a list of 2)',
      'flags.yaml:40:137: error: spec.rules[1].when[0].value: after needs a date (2026-12-01) or a date-time with a zone (2026-12-01T09:00:00Z), got "tomorrow" (found string "tomorrow")',
      'flags.yaml:47:26: error: spec.rollout.percentage: too big (expected <= 100, found number 150)',
      expect.stringMatching(/^flags\.yaml:54:48: error: spec\.rules\[0\]\.when\[0\]\.operator: not an allowed value \(expected one of "in", "not_in", .*found string "like"\)$/),
      'flags.yaml:63:12: error: spec.rollout.variant: give the variant to serve, or a split (found nothing)',
      'flags.yaml:64:3: error: spec.typo: unknown field "typo" (expected only the fields documented for this kind, found typo)',
    ]);
    // References are checked once the documents are valid.
    const refs = validate(doc('h', `  owner: nobody\n  services: [checkout, nowhere]\n`)).issues;
    expect(refs).toEqual([expect.stringMatching(/^flags\.yaml:15:10: error: spec\.owner: .*nobody/), expect.stringMatching(/^flags\.yaml:16:24: error: spec\.services\[1\]: .*nowhere/)]);
  });
});
