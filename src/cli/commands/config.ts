// pave validate | plan | apply: configuration as code.
import type { Command } from 'commander';
import type { ConfigIssue } from '../../config/source.js';
import { formatIssue, validateCatalogFiles } from '../../config/validate.js';
import type { FieldChange, PlanAction } from '../../domain/plan.js';
import { connect, type ApiResponse, type GlobalOptions } from '../connection.js';
import { readSourceFiles } from '../files.js';
import { CliError, exitCodes, printJson, println } from '../output.js';

interface ApplyAnswer {
  outcome: string;
  summary: Record<PlanAction, number>;
  changes: { action: PlanAction; kind: string; name: string; fields: FieldChange[] }[];
  warnings: ConfigIssue[];
}

const marks: Record<PlanAction, string> = { create: '+', update: '~', delete: '-', unchanged: '=' };

function show(v: unknown): string {
  return v === undefined ? '(none)' : JSON.stringify(v);
}

export function formatPlan(a: ApplyAnswer, verb: 'Plan' | 'Applied', showUnchanged = false): string {
  const lines: string[] = [];
  for (const c of a.changes) {
    if (c.action === 'unchanged' && !showUnchanged) continue;
    lines.push(`${marks[c.action]} ${c.action} ${c.kind}/${c.name}`);
    if (c.action === 'update') for (const f of c.fields) lines.push(`    ${f.path}: ${show(f.before)} -> ${show(f.after)}`);
  }
  for (const w of a.warnings) lines.push(formatIssue(w));
  const s = a.summary;
  lines.push(
    verb === 'Plan'
      ? `Plan: ${s.create} to create, ${s.update} to update, ${s.delete} to delete, ${s.unchanged} unchanged.`
      : `Applied: ${s.create} created, ${s.update} updated, ${s.delete} deleted, ${s.unchanged} unchanged.`,
  );
  return lines.join('\n');
}

function failWithIssues(body: { error?: { message?: string; details?: unknown[] } }, json: boolean, code: number): never {
  if (json) printJson(body);
  else {
    const details = body.error?.details ?? [];
    const issues = details.filter((d): d is ConfigIssue => typeof d === 'object' && d !== null && 'severity' in d);
    if (issues.length > 0) for (const i of issues) process.stderr.write(`${formatIssue(i)}\n`);
    else process.stderr.write(`${body.error?.message ?? 'request failed'}\n`);
    for (const d of details) {
      if (typeof d === 'object' && d !== null && 'reason' in d) process.stderr.write(`denied: ${(d as { reason: string }).reason}\n`);
    }
  }
  throw new CliError('', code);
}

/** Sends the files to POST /api/v1/apply (server or local store) and returns the raw answer. */
async function postApply(paths: string[], o: GlobalOptions, query: string, createStore: boolean): Promise<ApiResponse<ApplyAnswer>> {
  const files = readSourceFiles(paths);
  const client = await connect(o, { createStore });
  try {
    return await client.request<ApplyAnswer>('POST', `/api/v1/apply?${query}`, { files });
  } finally {
    await client.close();
  }
}

function failUnlessOk(res: ApiResponse<unknown>, json: boolean, alsoOk: number[] = []): void {
  if (res.status === 200 || alsoOk.includes(res.status)) return;
  failWithIssues(res.body as never, json, res.status >= 500 ? exitCodes.usage : exitCodes.rejected);
}

async function runApply(paths: string[], o: GlobalOptions & { prune?: boolean }, dryRun: boolean): Promise<ApplyAnswer> {
  const res = await postApply(paths, o, `dryRun=${dryRun}&prune=${Boolean(o.prune)}`, !dryRun);
  failUnlessOk(res, Boolean(o.json));
  return res.body;
}

export function registerConfigCommands(program: Command, globals: () => GlobalOptions): void {
  program
    .command('validate')
    .description('check configuration files: YAML syntax, every field, and references between the files; with --server, against the server\'s catalog too')
    .argument('<paths...>', 'YAML files or folders (- for standard input)')
    .action(async (paths: string[]) => {
      const o = globals();
      if (o.server ?? process.env.PAVE_URL) {
        // Against the server: validity only. A 403 comes after validation passed, so the files are valid even
        // though this token may not apply them.
        const res = await postApply(paths, o, 'dryRun=true', false);
        failUnlessOk(res, Boolean(o.json), [403]);
        const forbidden = res.status === 403 ? ((res.body as unknown as { error: { details?: { reason: string }[] } }).error.details ?? []) : [];
        const warnings = res.status === 200 ? res.body.warnings : [];
        const count = res.status === 200 ? res.body.changes.length : undefined;
        if (o.json) printJson({ valid: true, warnings, notAllowed: forbidden });
        else {
          println(`valid${count !== undefined ? `: ${count} object(s)` : ''}${warnings.length ? `, ${warnings.length} warning(s)` : ''}`);
          for (const w of warnings) println(formatIssue(w));
          for (const d of forbidden) println(`note: this token may not apply it: ${d.reason}`);
        }
        return;
      }
      const files = readSourceFiles(paths);
      const v = validateCatalogFiles(files);
      const issues = v.issues;
      const errors = issues.filter((i) => i.severity === 'error');
      if (o.json) printJson({ valid: errors.length === 0, objects: v.objects.length, issues });
      else {
        for (const i of issues) (i.severity === 'error' ? process.stderr : process.stdout).write(`${formatIssue(i)}\n`);
        if (errors.length === 0) println(`valid: ${v.objects.length} object(s) in ${files.length} file(s)`);
        else process.stderr.write(`${errors.length} error(s)\n`);
      }
      if (errors.length > 0) throw new CliError('', exitCodes.rejected);
    });

  program
    .command('plan')
    .description('show what apply would change, object by object and field by field')
    .argument('<paths...>', 'YAML files or folders (- for standard input)')
    .option('--prune', 'also show deletions of objects the files no longer declare')
    .option('--all', 'list unchanged objects too')
    .action(async (paths: string[], cmd: { prune?: boolean; all?: boolean }) => {
      const o = globals();
      const a = await runApply(paths, { ...o, prune: cmd.prune }, true);
      if (o.json) printJson(a);
      else println(formatPlan(a, 'Plan', cmd.all));
    });

  program
    .command('apply')
    .description('apply configuration atomically: everything valid and allowed is written, or nothing is')
    .argument('<paths...>', 'YAML files or folders (- for standard input)')
    .option('--prune', 'delete objects you may change that the files no longer declare')
    .option('--dry-run', 'plan only, write nothing')
    .action(async (paths: string[], cmd: { prune?: boolean; dryRun?: boolean }) => {
      const o = globals();
      const a = await runApply(paths, { ...o, prune: cmd.prune }, Boolean(cmd.dryRun));
      if (o.json) printJson(a);
      else println(formatPlan(a, cmd.dryRun ? 'Plan' : 'Applied'));
    });
}
