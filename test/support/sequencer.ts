// Test files known to take minutes start first. The demo's outage story runs in real time (~6 minutes) and the
// promtool suite starts many processes; with three workers, one of them started last adds its whole length to the
// run (on a clean CI checkout vitest has no durations cached and orders by file size, which put them late).
import { BaseSequencer, type TestSpecification } from 'vitest/node';

const slowFirst = ['test/cli/demo.test.ts', 'test/rules/promtool.test.ts', 'test/api/bad-input.test.ts', 'test/cli/cli.test.ts', 'test/rules/prometheus-agreement.test.ts'];

function rank(spec: TestSpecification): number {
  const file = spec.moduleId.replaceAll('\\', '/');
  const i = slowFirst.findIndex((f) => file.endsWith(`/${f}`));
  return i === -1 ? slowFirst.length : i;
}

export class SlowFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    // Array.prototype.sort is stable: the rest keep vitest's own order.
    return (await super.sort(files)).sort((a, b) => rank(a) - rank(b));
  }
}
