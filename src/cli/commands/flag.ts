// pave flag list | get | eval | set | stale: feature flags through the API (a server, or the local data folder
// in-process). eval goes through OFREP, as an application's OpenFeature SDK would.
import type { Command } from 'commander';
import type { StaleFlag } from '../../domain/flags/stale.js';
import type { FlagState } from '../../store/flags.js';
import { repeatable } from '../arguments.js';
import { connect, expectOk, type GlobalOptions } from '../connection.js';
import { CliError, exitCodes, printJson, println, table } from '../output.js';

interface FlagItem {
  metadata: { name: string };
  spec: {
    owner: string;
    purpose: string;
    description?: string;
    variants?: Record<string, unknown>;
    defaultVariant?: string;
    offVariant?: string;
    enabled: boolean;
    services: string[];
    rules: { name?: string; when: { attribute: string; operator: string; values?: unknown[]; value?: unknown; negate?: boolean }[]; percentage?: number; variant?: string; split?: { variant: string; weight: number }[] }[];
    rollout?: { percentage: number; variant?: string; split?: { variant: string; weight: number }[]; stickiness?: string };
    expectedLifetime?: string;
  };
  status: { createdAt: string; updatedAt: string; updatedBy: string };
  runtime: FlagState | null;
  effective: { enabled: boolean; percentage: number | null };
}

interface Evaluation {
  key: string;
  value?: unknown;
  variant?: string;
  reason?: string;
  metadata?: Record<string, unknown>;
  errorCode?: string;
  errorDetails?: string;
}

function typeOf(f: FlagItem): string {
  const first = Object.values(f.spec.variants ?? { on: true })[0];
  return first !== null && typeof first === 'object' ? 'object' : typeof first;
}

function flagRow(f: FlagItem): Record<string, string> {
  return {
    name: f.metadata.name,
    owner: f.spec.owner,
    type: typeOf(f),
    purpose: f.spec.purpose,
    state: f.effective.enabled ? 'on' : 'off',
    rollout: f.effective.percentage === null ? '' : `${f.effective.percentage}%`,
    runtime: f.runtime ? `set by ${f.runtime.updatedBy}` : '',
  };
}


/** The evaluation context from --context JSON, --key and --attr key=value (later wins). */
export function contextFrom(opts: { context?: string; key?: string; attr: string[] }): Record<string, unknown> {
  let ctx: Record<string, unknown> = {};
  if (opts.context !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(opts.context);
    } catch (err) {
      throw new CliError(`--context must be a JSON object: ${(err as Error).message}`, exitCodes.usage);
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new CliError('--context must be a JSON object such as {"targetingKey":"user-1"}', exitCodes.usage);
    ctx = parsed as Record<string, unknown>;
  }
  for (const a of opts.attr) {
    const i = a.indexOf('=');
    if (i <= 0) throw new CliError(`--attr takes key=value, not "${a}"`, exitCodes.usage);
    ctx[a.slice(0, i)] = a.slice(i + 1);
  }
  if (opts.key !== undefined) ctx.targetingKey = opts.key;
  return ctx;
}

function show(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

export function registerFlagCommands(program: Command, globals: () => GlobalOptions): void {
  const flag = program.command('flag').description('feature flags: list, get, eval (over OFREP), set (kill switch, rollout percentage), stale');

  flag
    .command('list')
    .description('flags with their state in force')
    .option('--team <team>', "only this team's flags")
    .action(async (cmd: { team?: string }) => {
      const o = globals();
      const client = await connect(o);
      try {
        const res = expectOk(await client.request<{ items: FlagItem[] }>('GET', `/api/v1/flags${cmd.team ? `?owner=${encodeURIComponent(cmd.team)}` : ''}`));
        if (o.json) printJson(res.items);
        else if (res.items.length === 0) println('no flags');
        else println(table(res.items.map(flagRow)));
      } finally {
        await client.close();
      }
    });

  flag
    .command('get')
    .description('one flag: variants, rules, rollout, runtime state')
    .argument('<name>', 'the flag')
    .action(async (name: string) => {
      const o = globals();
      const client = await connect(o);
      try {
        const f = expectOk(await client.request<FlagItem>('GET', `/api/v1/flags/${encodeURIComponent(name)}`));
        if (o.json) {
          printJson(f);
          return;
        }
        const s = f.spec;
        println(`flag ${f.metadata.name} (${typeOf(f)}, ${s.purpose}), owned by ${s.owner}${s.services.length ? `, services ${s.services.join(', ')}` : ''}`);
        if (s.description) println(s.description);
        println(`state:    ${f.effective.enabled ? 'on' : 'off (kill switch)'}${f.effective.percentage === null ? '' : `, rollout ${f.effective.percentage}%`}`);
        if (f.runtime) println(`runtime:  set by ${f.runtime.updatedBy} at ${f.runtime.updatedAt}${f.runtime.reason ? ` (${f.runtime.reason})` : ''}; the file says ${s.enabled ? 'on' : 'off'}${s.rollout ? `, ${s.rollout.percentage}%` : ''}`);
        const variants = s.variants ?? { on: true, off: false };
        println(`variants: ${Object.entries(variants).map(([k, v]) => `${k}=${show(v)}`).join(', ')}; default ${s.defaultVariant ?? 'off'}, off ${s.offVariant ?? s.defaultVariant ?? 'off'}`);
        s.rules.forEach((r, i) => {
          const when = r.when.map((c) => `${c.negate ? 'not ' : ''}${c.attribute} ${c.operator} ${show(c.values ?? c.value)}`).join(' and ') || 'everyone';
          const serve = r.split ? r.split.map((w) => `${w.variant}:${w.weight}`).join('/') : r.variant;
          println(`rule ${r.name ?? `rule-${i + 1}`}: ${when} → ${serve}${r.percentage !== undefined ? ` for ${r.percentage}%` : ''}`);
        });
        if (s.rollout) {
          const serve = s.rollout.split ? s.rollout.split.map((w) => `${w.variant}:${w.weight}`).join('/') : (s.rollout.variant ?? 'on');
          println(`rollout: ${serve} to ${f.effective.percentage}% by ${s.rollout.stickiness ?? 'targetingKey'}`);
        }
        println(`created ${f.status.createdAt}; last applied ${f.status.updatedAt} by ${f.status.updatedBy}`);
      } finally {
        await client.close();
      }
    });

  flag
    .command('eval')
    .description('evaluate one flag (or every flag) for a context, over OFREP; exit 1 when the evaluation fails')
    .argument('[name]', 'the flag; omitted: every flag')
    .option('--key <targetingKey>', 'the targeting key (user, session, ...)')
    .option('--attr <key=value>', 'a context attribute (repeatable)', repeatable, [])
    .option('--context <json>', 'the whole context as a JSON object')
    .action(async (name: string | undefined, cmd: { key?: string; attr: string[]; context?: string }) => {
      const o = globals();
      const context = contextFrom(cmd);
      const client = await connect(o);
      try {
        const path = name ? `/ofrep/v1/evaluate/flags/${encodeURIComponent(name)}` : '/ofrep/v1/evaluate/flags';
        const res = await client.request<Evaluation & { flags?: Evaluation[] }>('POST', path, { context });
        if (res.status === 401 || res.status === 403 || (res.status >= 500 && !res.body?.errorCode)) expectOk(res);
        const results: Evaluation[] = name ? [res.body] : (res.body.flags ?? []);
        if (!name && res.status !== 200) throw new CliError(res.body.errorDetails ?? `HTTP ${res.status}`, exitCodes.rejected, res.body);
        if (o.json) printJson(name ? results[0] : results);
        else
          println(
            table(
              results.map((r) =>
                r.errorCode
                  ? { flag: r.key, value: '', variant: '', reason: 'ERROR', detail: `${r.errorCode}: ${r.errorDetails ?? ''}` }
                  : { flag: r.key, value: show(r.value), variant: r.variant ?? '', reason: r.reason ?? '', detail: r.metadata?.rule ? `rule ${String(r.metadata.rule)}` : '' },
              ),
            ),
          );
        const failed = results.find((r) => r.errorCode);
        if (name && failed) throw new CliError(`${failed.errorCode}: ${failed.errorDetails ?? ''}`, exitCodes.rejected, failed);
      } finally {
        await client.close();
      }
    });

  flag
    .command('set')
    .description("change a flag at runtime (its team or an admin): the kill switch, the rollout percentage, or --reset to the file")
    .argument('<name>', 'the flag')
    .option('--percentage <n>', 'the rollout percentage, 0-100')
    .option('--enable', 'turn the flag on (kill switch released)')
    .option('--disable', 'turn the flag off: everyone gets its off variant')
    .option('--reset', 'forget the runtime state: the file decides again')
    .option('--reason <text>', 'why (audit log and change event)')
    .action(async (name: string, cmd: { percentage?: string; enable?: boolean; disable?: boolean; reset?: boolean; reason?: string }) => {
      const o = globals();
      if (cmd.enable && cmd.disable) throw new CliError('give --enable or --disable, not both', exitCodes.usage);
      if (cmd.reset && (cmd.enable || cmd.disable || cmd.percentage !== undefined)) throw new CliError('--reset goes alone (with --reason at most)', exitCodes.usage);
      if (!cmd.reset && !cmd.enable && !cmd.disable && cmd.percentage === undefined) throw new CliError('give --percentage, --enable, --disable or --reset', exitCodes.usage);
      if (cmd.percentage !== undefined && !/^(100|[1-9]?[0-9])$/.test(cmd.percentage)) throw new CliError(`--percentage must be a whole number from 0 to 100, not "${cmd.percentage}"`, exitCodes.usage);
      const client = await connect(o);
      try {
        const path = `/api/v1/flags/${encodeURIComponent(name)}/state`;
        const reason = cmd.reason ? { reason: cmd.reason } : {};
        const res = cmd.reset
          ? await client.request('DELETE', path, reason)
          : await client.request('POST', path, {
              ...(cmd.percentage !== undefined ? { percentage: Number(cmd.percentage) } : {}),
              ...(cmd.enable ? { enabled: true } : cmd.disable ? { enabled: false } : {}),
              ...reason,
            });
        const r = expectOk(res) as { changed: boolean; before: FlagItem['effective']; after: FlagItem['effective'] };
        const text = (v: FlagItem['effective']) => `${v.enabled ? 'on' : 'off'}${v.percentage === null ? '' : `, ${v.percentage}%`}`;
        if (o.json) printJson(r);
        else println(r.changed ? `flag ${name}: ${text(r.before)} → ${text(r.after)}` : `flag ${name} already ${text(r.after)}`);
      } finally {
        await client.close();
      }
    });

  flag
    .command('stale')
    .description('flags older than their expected lifetime, most overdue first')
    .option('--team <team>', "only this team's flags")
    .action(async (cmd: { team?: string }) => {
      const o = globals();
      const client = await connect(o);
      try {
        const res = expectOk(await client.request<{ items: StaleFlag[] }>('GET', `/api/v1/reports/stale-flags${cmd.team ? `?team=${encodeURIComponent(cmd.team)}` : ''}`));
        if (o.json) printJson(res.items);
        else if (res.items.length === 0) println('no stale flags');
        else println(table(res.items.map((f) => ({ flag: f.name, owner: f.owner, purpose: f.purpose, age: `${f.ageDays}d`, lifetime: `${f.lifetimeDays}d`, overdue: `${f.overdueDays}d`, hint: f.hint }))));
      } finally {
        await client.close();
      }
    });
}
