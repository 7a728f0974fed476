// pave postmortem list | start | show | edit | status | export | action add | action update: an incident's postmortem
// through the API (GET/POST/PATCH /api/v1/incidents/{id}/postmortem…, PATCH /api/v1/action-items/{id}).
import { readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { actionItemStatuses, actionItemTypes, postmortemStatuses, repairTags, sectionNames, type PostmortemSections } from '../../domain/postmortem/document.js';
import type { ActionItem, PostmortemView, Warning } from '../../domain/postmortem/index.js';
import { numericId, oneOf } from '../arguments.js';
import { connect, expectOk, type GlobalOptions } from '../connection.js';
import { CliError, exitCodes, printJson, println, table } from '../output.js';

type View = PostmortemView & { overdue: boolean; impactSkipped: { slo: string; reason: string }[] };


/** Section flags are kebab-case: --root-causes, --what-went-well, ... */
const flagOf = (section: string) => section.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** `@path` reads the text from a file (`@-` from standard input); anything else is the text itself. */
function textArgument(value: string): string {
  if (!value.startsWith('@')) return value;
  const path = value.slice(1);
  try {
    return readFileSync(path === '-' ? 0 : path, 'utf8');
  } catch (err) {
    throw new CliError(`cannot read ${path === '-' ? 'standard input' : path}: ${(err as Error).message}`, exitCodes.usage);
  }
}

const minutes = (m: number | null) => (m === null ? '-' : `${Math.round(m * 10) / 10} min`);

function printWarnings(warnings: Warning[]): void {
  for (const w of warnings) println(`warning: ${w.message}`);
}

function printView(v: View): void {
  const i = v.incident;
  println(`postmortem of incident ${i.id}: ${i.title}`);
  println(`status:   ${v.status}${v.dueDate ? `, due ${v.dueDate}${v.overdue ? ' (OVERDUE)' : ''}` : ''}${v.publishedAt ? `, published ${v.publishedAt}` : ''}`);
  println(`incident: ${i.severity} ${i.status}, services ${i.services.join(', ') || '-'}, detected by ${i.detectedBy}`);
  if (v.requiredBecause.length) println(`required: ${v.requiredBecause.join('; ')}`);
  println(`times:    TTD ${minutes(v.metrics.ttdMinutes)}, TTE ${minutes(v.metrics.tteMinutes)}, TTF ${minutes(v.metrics.ttfMinutes)}, TTM ${minutes(v.metrics.ttmMinutes)}`);
  println();
  println('Impact:');
  println(
    table(
      v.impact.map((s) => ({
        slo: s.slo,
        window: `${s.from} → ${s.to}`,
        events: String(s.events),
        'bad events': String(s.badEvents),
        'budget consumed': `${(Math.round(s.budgetConsumedFraction * 10_000) / 100).toFixed(2)}%`,
      })),
    ),
  );
  for (const s of v.impactSkipped) println(`  (${s.slo}: ${s.reason})`);
  println();
  println('Sections:');
  for (const name of sectionNames) {
    const text = v.sections[name].trim();
    println(`  ${flagOf(name).padEnd(22)} ${text === '' ? '(not written)' : text.split('\n')[0]!.slice(0, 100)}`);
  }
  println();
  println('Action items:');
  println(table(v.actionItems.map(itemRow)));
  println();
  println(`Timeline: ${v.timeline.length} entries (pave postmortem export ${i.id} shows them)`);
  if (v.warnings.length) {
    println();
    printWarnings(v.warnings);
  }
}

function itemRow(a: ActionItem): Record<string, string> {
  return { id: a.id, type: a.tag ? `${a.type}/${a.tag}` : a.type, status: a.status, owner: a.owner, team: a.team, due: a.dueDate ?? '', title: a.title };
}

export function registerPostmortemCommands(program: Command, globals: () => GlobalOptions): void {
  const pm = program.command('postmortem').description("incidents' blameless postmortems and their action items");

  const withClient = async <T>(fn: (client: Awaited<ReturnType<typeof connect>>, o: GlobalOptions) => Promise<T>): Promise<T> => {
    const o = globals();
    const client = await connect(o);
    try {
      return await fn(client, o);
    } finally {
      await client.close();
    }
  };

  pm.command('list')
    .description('postmortems with their incident, status and due date')
    .option('--status <status>', postmortemStatuses.join(', '))
    .action(async (cmd: { status?: string }) => {
      oneOf('--status', cmd.status, postmortemStatuses);
      await withClient(async (client, o) => {
        const r = expectOk(await client.request<{ items: { id: string; incidentId: string; title: string | null; severity: string | null; status: string; dueDate: string | null; overdue: boolean }[] }>('GET', `/api/v1/postmortems${cmd.status ? `?status=${cmd.status}` : ''}`));
        if (o.json) printJson(r.items);
        else println(table(r.items.map((p) => ({ incident: p.incidentId, severity: p.severity ?? '', status: p.status, due: p.dueDate ?? '', overdue: p.overdue ? 'yes' : '', title: p.title ?? '' }))));
      });
    });

  pm.command('start')
    .description("start an incident's postmortem: a draft prefilled with a summary, the SLO impact and the timeline")
    .argument('<incident>', 'the incident id')
    .action(async (incident: string) => {
      await withClient(async (client, o) => {
        const res = await client.request<View>('POST', `/api/v1/incidents/${numericId('incident', incident)}/postmortem`);
        const v = expectOk(res);
        if (o.json) printJson(v);
        else println(res.status === 201 ? `postmortem of incident ${incident} started (draft, due ${v.dueDate ?? '-'})` : `incident ${incident} already has a postmortem (${v.status})`);
      });
    });

  pm.command('show')
    .description("an incident's postmortem: status, impact on SLOs, time metrics, sections, action items, warnings")
    .argument('<incident>', 'the incident id')
    .action(async (incident: string) => {
      await withClient(async (client, o) => {
        const v = expectOk(await client.request<View>('GET', `/api/v1/incidents/${numericId('incident', incident)}/postmortem`));
        if (o.json) printJson(v);
        else printView(v);
      });
    });

  const edit = pm
    .command('edit')
    .description('write sections of the postmortem (a value @file reads a file, @- standard input); starts the draft if needed')
    .argument('<incident>', 'the incident id');
  for (const name of sectionNames) edit.option(`--${flagOf(name)} <text>`, `the ${flagOf(name).replace(/-/g, ' ')} section`);
  edit.action(async (incident: string, cmd: Record<string, string | undefined>) => {
    const body: Partial<PostmortemSections> = {};
    for (const name of sectionNames) {
      const v = cmd[name];
      if (v !== undefined) body[name] = textArgument(v);
    }
    if (Object.keys(body).length === 0) throw new CliError(`name at least one section: ${sectionNames.map((n) => `--${flagOf(n)}`).join(', ')}`, exitCodes.usage);
    await withClient(async (client, o) => {
      const v = expectOk(await client.request<View>('PATCH', `/api/v1/incidents/${numericId('incident', incident)}/postmortem`, body));
      if (o.json) printJson(v);
      else {
        println(`postmortem of incident ${incident} updated: ${Object.keys(body).map(flagOf).join(', ')}`);
        printWarnings(v.warnings);
      }
    });
  });

  pm.command('status')
    .description('move the postmortem: draft → in_review → published (or in_review → draft); publishing freezes the computed figures')
    .argument('<incident>', 'the incident id')
    .argument('<status>', postmortemStatuses.join(', '))
    .action(async (incident: string, status: string) => {
      oneOf('status', status, postmortemStatuses);
      await withClient(async (client, o) => {
        const v = expectOk(await client.request<View>('POST', `/api/v1/incidents/${numericId('incident', incident)}/postmortem/status`, { status }));
        if (o.json) printJson(v);
        else {
          println(`postmortem of incident ${incident} is ${v.status}`);
          printWarnings(v.warnings);
        }
      });
    });

  pm.command('export')
    .description('the postmortem as Markdown')
    .argument('<incident>', 'the incident id')
    .option('-o, --output <file>', 'write to this file instead of standard output')
    .action(async (incident: string, cmd: { output?: string }) => {
      await withClient(async (client) => {
        const md = expectOk(await client.request<string>('GET', `/api/v1/incidents/${numericId('incident', incident)}/postmortem/markdown`));
        if (cmd.output) writeFileSync(cmd.output, md);
        else process.stdout.write(md);
      });
    });

  const action = pm.command('action').description('action items of a postmortem');
  action
    .command('add')
    .description('add an action item to an incident\'s postmortem')
    .argument('<incident>', 'the incident id')
    .requiredOption('--title <text>', 'what is to be done')
    .requiredOption('--type <type>', actionItemTypes.join(', '))
    .requiredOption('--owner <name>', 'a person or team of the catalog')
    .option('--tag <tag>', `for repair items: ${repairTags.join(', ')} (answers a missed time goal)`)
    .option('--due <date>', 'due date YYYY-MM-DD')
    .option('--link <url>', 'the ticket')
    .option('--service <name>', "one of the incident's services")
    .option('--team <name>', 'the team carrying it (default: the owner or their team)')
    .option('--status <status>', actionItemStatuses.join(', '))
    .action(async (incident: string, cmd: { title: string; type: string; owner: string; tag?: string; due?: string; link?: string; service?: string; team?: string; status?: string }) => {
      oneOf('--type', cmd.type, actionItemTypes);
      oneOf('--tag', cmd.tag, repairTags);
      oneOf('--status', cmd.status, actionItemStatuses);
      const body = {
        title: cmd.title,
        type: cmd.type,
        owner: cmd.owner,
        ...(cmd.tag ? { tag: cmd.tag } : {}),
        ...(cmd.due ? { dueDate: cmd.due } : {}),
        ...(cmd.link ? { link: cmd.link } : {}),
        ...(cmd.service ? { service: cmd.service } : {}),
        ...(cmd.team ? { team: cmd.team } : {}),
        ...(cmd.status ? { status: cmd.status } : {}),
      };
      await withClient(async (client, o) => {
        const item = expectOk(await client.request<ActionItem>('POST', `/api/v1/incidents/${numericId('incident', incident)}/postmortem/action-items`, body));
        if (o.json) printJson(item);
        else println(`action item ${item.id} added to the postmortem of incident ${incident}: ${item.title}`);
      });
    });

  action
    .command('update')
    .description('change an action item: status, owner, due date, ...')
    .argument('<item>', 'the action item id')
    .option('--title <text>', 'what is to be done')
    .option('--type <type>', actionItemTypes.join(', '))
    .option('--tag <tag>', `${repairTags.join(', ')}, or none`)
    .option('--owner <name>', 'a person or team of the catalog')
    .option('--due <date>', 'due date YYYY-MM-DD, or none')
    .option('--link <url>', 'the ticket, or none')
    .option('--team <name>', 'the team carrying it')
    .option('--status <status>', actionItemStatuses.join(', '))
    .action(async (item: string, cmd: { title?: string; type?: string; tag?: string; owner?: string; due?: string; link?: string; team?: string; status?: string }) => {
      oneOf('--type', cmd.type, actionItemTypes);
      oneOf('--tag', cmd.tag, [...repairTags, 'none']);
      oneOf('--status', cmd.status, actionItemStatuses);
      const orNull = (v: string | undefined) => (v === undefined ? undefined : v === 'none' ? null : v);
      const body = Object.fromEntries(
        Object.entries({ title: cmd.title, type: cmd.type, tag: orNull(cmd.tag), owner: cmd.owner, dueDate: orNull(cmd.due), link: orNull(cmd.link), team: cmd.team, status: cmd.status }).filter(([, v]) => v !== undefined),
      );
      if (Object.keys(body).length === 0) throw new CliError('nothing to change: give at least one of --title, --type, --tag, --owner, --due, --link, --team, --status', exitCodes.usage);
      await withClient(async (client, o) => {
        const a = expectOk(await client.request<ActionItem>('PATCH', `/api/v1/action-items/${numericId('action item', item)}`, body));
        if (o.json) printJson(a);
        else println(`action item ${a.id}: ${a.status}, owner ${a.owner}, due ${a.dueDate ?? '-'}: ${a.title}`);
      });
    });
}
