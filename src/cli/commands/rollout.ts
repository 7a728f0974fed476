// pave rollout status [NAME] | pause | resume | promote | abort NAME: progressive rollouts through the API.
import type { Command } from 'commander';
import type { RolloutEvent, StoredRollout } from '../../store/rollouts.js';
import { connect, expectOk, type GlobalOptions } from '../connection.js';
import { CliError, exitCodes, printJson, println, table } from '../output.js';

interface RolloutStatus {
  name: string;
  service: string;
  target: { flag?: string; webhook?: boolean };
  state: Partial<StoredRollout> & { phase: string; step: number; weight: number; reason: string };
  steps: { step: number; weight: number; bakeMinutes: number }[];
  guard: { slos: string[]; onFailure: string };
  analysis: { metrics: string[] } | null;
  events: RolloutEvent[];
}

function rolloutName(name: string): string {
  if (!/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/.test(name)) throw new CliError(`"${name}" is not a rollout name (lower-case letters, digits and -)`, exitCodes.usage);
  return name;
}

const stepText = (s: RolloutStatus) => (s.state.step < 0 ? 'not started' : `${s.state.step + 1}/${s.steps.length}`);

export function registerRolloutCommands(program: Command, globals: () => GlobalOptions): void {
  const rollout = program.command('rollout').description('progressive rollouts: status, pause, resume, promote, abort');

  rollout
    .command('status')
    .description('where rollouts are: phase, step, traffic weight and why; with a name, its plan and step log')
    .argument('[name]', 'one rollout (default: all)')
    .action(async (name: string | undefined) => {
      const o = globals();
      const client = await connect(o);
      try {
        const names = name
          ? [rolloutName(name)]
          : expectOk(await client.request<{ items: { metadata: { name: string } }[] }>('GET', '/api/v1/rollouts')).items.map((i) => i.metadata.name);
        const all: RolloutStatus[] = [];
        for (const n of names) all.push(expectOk(await client.request<RolloutStatus>('GET', `/api/v1/rollouts/${n}/status`)));
        if (o.json) {
          printJson(name ? all[0] : all);
          return;
        }
        if (all.length === 0) {
          println('no rollouts');
          return;
        }
        if (!name) {
          println(table(all.map((s) => ({ name: s.name, service: s.service, target: s.target.flag ? `flag ${s.target.flag}` : 'webhook', phase: s.state.phase, step: stepText(s), weight: `${s.state.weight}%`, reason: s.state.reason }))));
          return;
        }
        const s = all[0]!;
        println(`rollout ${s.name}: ${s.state.phase}, step ${stepText(s)} at ${s.state.weight}% — ${s.state.reason}`);
        println(`service: ${s.service}; target: ${s.target.flag ? `flag ${s.target.flag}` : 'webhook'}; guard: ${s.guard.slos.join(', ') || 'none'} (on failure: ${s.guard.onFailure})${s.analysis ? `; canary analysis: ${s.analysis.metrics.join(', ')}` : ''}`);
        if (s.state.lastError) println(`last error: ${s.state.lastError}`);
        println();
        println(table(s.steps.map((st) => ({ step: String(st.step), weight: `${st.weight}%`, bake: st.bakeMinutes ? `${st.bakeMinutes}m` : '-', current: s.state.step + 1 === st.step ? '←' : '' }))));
        if (s.events.length) {
          println();
          println(table(s.events.map((e) => ({ at: e.at, action: e.action, step: String(e.step + 1), weight: `${e.weight}%`, phase: e.phase, actor: e.actor, reason: e.reason }))));
        }
      } finally {
        await client.close();
      }
    });

  for (const [command, description] of [
    ['pause', 'pause a rollout where it is (its team or an admin)'],
    ['resume', 'resume a paused rollout: its current step bakes again from now'],
    ['promote', 'go to the last step at once and complete the rollout'],
    ['abort', 'abort: traffic back to 0% (the flag) or the rollback webhook'],
  ] as const) {
    rollout
      .command(command)
      .description(description)
      .argument('<name>', 'the rollout')
      .action(async (name: string) => {
        const o = globals();
        const client = await connect(o);
        try {
          const r = expectOk(await client.request<StoredRollout>('POST', `/api/v1/rollouts/${rolloutName(name)}/${command}`));
          if (o.json) printJson(r);
          else println(`rollout ${r.name}: ${r.phase.replace('_', ' ')} at ${r.weight}% — ${r.reason}`);
        } finally {
          await client.close();
        }
      });
  }
}
