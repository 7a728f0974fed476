// pave gate check: the release gate for CI. Exit codes are the contract a pipeline relies on: 0 allow or warn, 1 deny,
// 2 when pave cannot be reached or answers that it is misconfigured (bad token, unknown service, server error) — 0
// instead of 2 with --fail-open, for teams that would rather ship than wait on pave.
import type { Command } from 'commander';
import type { GateAnswer } from '../../api/gates.js';
import { changeKinds } from '../../domain/budget-policy/change-kinds.js';
import { connect, type GlobalOptions } from '../connection.js';
import { CliError, exitCodes, printJson, println, table } from '../output.js';

/** The commands whose `--version <v>` names a version being shipped, not pave's own. */
const versionTaking = [
  ['gate', 'check'],
  ['change', 'record'],
];

/**
 * `pave gate check SVC --version V`: commander lets the program's own `--version` (print pave's version and exit) take
 * that flag wherever it appears, even after a subcommand. Written `--version=V` it reaches the subcommand, so the
 * arguments of `gate check` and `change record` are rewritten that way before parsing.
 */
export function gateVersionArgs(argv: string[]): string[] {
  const at = argv.findIndex((a, i) => versionTaking.some(([c, sub]) => a === c && argv[i + 1] === sub));
  if (at < 0) return argv;
  const out = argv.slice(0, at + 2);
  for (let i = at + 2; i < argv.length; i++) {
    const next = argv[i + 1];
    if (argv[i] === '--version' && next !== undefined && !next.startsWith('-')) {
      out.push(`--version=${next}`);
      i++;
    } else out.push(argv[i]!);
  }
  return out;
}

const pct = (f: number | null): string => (f === null ? 'no data' : `${(Math.round(f * 10_000) / 100).toString()}%`);

export function registerGateCommands(program: Command, globals: () => GlobalOptions): void {
  const gate = program.command('gate').description('the release gate: may a change go out, given the error budget?');

  gate
    .command('check')
    .description('allow, warn or deny a change to a service; exit 0 allow or warn, 1 deny, 2 pave unreachable or misconfigured')
    .argument('<service>', 'the service about to change')
    .option('--version <version>', 'the version about to go out')
    .option('--kind <kind>', `the kind of change: ${changeKinds.join(', ')}`, 'deploy')
    .option('--break-glass <reason>', 'override a freeze, with a reason (audited, on the timeline, announced to the team)')
    .option('--fail-open', 'exit 0 instead of 2 when pave is unreachable or misconfigured')
    .action(async (service: string, cmd: { version?: string; kind: string; breakGlass?: string; failOpen?: boolean }) => {
      const o = globals();
      if (!(changeKinds as readonly string[]).includes(cmd.kind)) throw new CliError(`--kind must be one of ${changeKinds.join(', ')}, not "${cmd.kind}"`, exitCodes.usage);
      const body = { service, kind: cmd.kind, ...(cmd.version ? { version: cmd.version } : {}), ...(cmd.breakGlass !== undefined ? { breakGlass: cmd.breakGlass } : {}) };
      let answer: GateAnswer;
      try {
        const client = await connect(o);
        try {
          const res = await client.request<GateAnswer>('POST', '/api/v1/gates/check', body);
          if (res.status !== 200) {
            const message = (res.body as { error?: { message?: string } } | undefined)?.error?.message ?? `HTTP ${res.status}`;
            throw new CliError(`pave answered ${res.status}: ${message}`, exitCodes.usage, res.body);
          }
          answer = res.body;
        } finally {
          await client.close();
        }
      } catch (err) {
        // Anything but an answer is "unreachable or misconfigured": a pipeline must never mistake it for a deny.
        const message = (err as Error).message;
        const body = err instanceof CliError ? err.body : undefined;
        if (!cmd.failOpen) throw new CliError(`gate check failed closed: ${message}`, exitCodes.usage, body);
        process.stderr.write(`warning: gate check failed open (--fail-open): ${message}\n`);
        if (o.json) printJson({ decision: 'unknown', failOpen: true, error: message });
        return;
      }
      if (o.json) printJson(answer);
      else {
        println(`${answer.decision.toUpperCase()}: ${answer.summary}`);
        println(`policy: ${answer.policy.name} (${answer.policy.scope}, ${answer.policy.enforcement})`);
        if (answer.reasons.length) {
          println();
          println(table(answer.reasons.map((r) => ({ slo: r.slo, status: r.status, remaining: pct(r.remainingFraction), action: r.action }))));
        }
        if (answer.breakGlass) println(`\nbreak-glass recorded as change ${answer.breakGlass.change.id}; ${answer.breakGlass.notifications} notification(s) to ${answer.breakGlass.change.team ?? 'the team'}`);
      }
      if (answer.decision === 'deny') throw new CliError('', exitCodes.rejected);
    });
}
