// pave notification list | show | retry and pave escalation list | show: what the outbox sent, what it could not
// (the dead-letter list), and where each page's escalation stands — the questions asked when someone says "I was
// never paged".
import type { Command } from 'commander';
import type { Escalation, EscalationEvent } from '../../store/escalations.js';
import { escalationStates } from '../../store/escalations.js';
import type { Notification, NotificationAttempt } from '../../store/outbox.js';
import { notificationStates } from '../../store/outbox.js';
import { numericId, oneOf } from '../arguments.js';
import { connect, expectOk, type GlobalOptions } from '../connection.js';
import { printJson, println, table } from '../output.js';


type WireNotification = Notification;

function notificationRow(n: WireNotification): Record<string, string> {
  return {
    id: n.id,
    state: n.state,
    page: n.pageId ?? '',
    event: n.eventType,
    channel: n.channel,
    person: n.person ?? '',
    attempts: String(n.attempts),
    next: n.state === 'pending' ? n.nextAttemptAt : '',
    created: n.createdAt,
    error: (n.lastError ?? '').slice(0, 60),
  };
}

function escalationRow(e: Escalation): Record<string, string> {
  return { page: e.pageId, policy: e.policy, state: e.state, started: e.startedAt, 'next due': e.nextDueAt ?? '', stopped: e.stoppedAt ? `${e.stoppedAt} by ${e.stoppedBy ?? '?'}` : '' };
}

async function withClient<T>(o: GlobalOptions, fn: (client: Awaited<ReturnType<typeof connect>>) => Promise<T>): Promise<T> {
  const client = await connect(o);
  try {
    return await fn(client);
  } finally {
    await client.close();
  }
}

export function registerNotificationCommands(program: Command, globals: () => GlobalOptions): void {
  const notification = program.command('notification').description('notifications: list (dead letters with --state dead), show, retry');

  notification
    .command('list')
    .description('notifications, newest first')
    .option('--state <state>', `one of ${notificationStates.join(', ')} (dead: the dead-letter list)`)
    .option('--page <id>', "one page's notifications")
    .option('--limit <n>', 'at most this many (1-1000, default 100)')
    .action(async (cmd: { state?: string; page?: string; limit?: string }) => {
      const o = globals();
      oneOf('--state', cmd.state, notificationStates);
      const q = new URLSearchParams();
      if (cmd.state) q.set('state', cmd.state);
      if (cmd.page) q.set('page', numericId('--page', cmd.page));
      if (cmd.limit) q.set('limit', cmd.limit);
      const res = await withClient(o, async (c) => expectOk(await c.request<{ items: WireNotification[] }>('GET', `/api/v1/notifications${q.size ? `?${q}` : ''}`)));
      if (o.json) printJson(res.items);
      else if (res.items.length === 0) println('no notifications');
      else println(table(res.items.map(notificationRow)));
    });

  notification
    .command('show')
    .description('one notification and every delivery attempt')
    .argument('<id>', 'the notification id')
    .action(async (id: string) => {
      const o = globals();
      const n = await withClient(o, async (c) =>
        expectOk(await c.request<WireNotification & { deliveryAttempts: NotificationAttempt[] }>('GET', `/api/v1/notifications/${numericId('notification id', id)}`)),
      );
      if (o.json) return printJson(n);
      println(table([notificationRow(n)]));
      println('');
      if (n.deliveryAttempts.length === 0) println('no delivery attempts yet');
      else println(table(n.deliveryAttempts.map((a) => ({ attempt: String(a.attempt), at: a.at, outcome: a.outcome, ms: String(a.durationMs), status: a.statusCode === null ? '' : String(a.statusCode), error: a.error ?? '' }))));
    });

  notification
    .command('retry')
    .description('put a dead notification back in the queue, due now (admin)')
    .argument('<id>', 'the notification id')
    .action(async (id: string) => {
      const o = globals();
      const n = await withClient(o, async (c) => expectOk(await c.request<WireNotification>('POST', `/api/v1/notifications/${numericId('notification id', id)}/retry`)));
      if (o.json) printJson(n);
      else println(`notification ${n.id} is ${n.state} again, due ${n.nextAttemptAt}`);
    });

  const escalation = program.command('escalation').description("escalations: where each page's escalation stands");

  escalation
    .command('list')
    .description('escalations, newest first; --state unacknowledged lists pages nobody acknowledged after the last step')
    .option('--state <state>', escalationStates.join(', '))
    .option('--limit <n>', 'at most this many (1-1000, default 100)')
    .action(async (cmd: { state?: string; limit?: string }) => {
      const o = globals();
      oneOf('--state', cmd.state, escalationStates);
      const q = new URLSearchParams();
      if (cmd.state) q.set('state', cmd.state);
      if (cmd.limit) q.set('limit', cmd.limit);
      const res = await withClient(o, async (c) => expectOk(await c.request<{ items: Escalation[] }>('GET', `/api/v1/escalations${q.size ? `?${q}` : ''}`)));
      if (o.json) return printJson(res.items);
      if (res.items.length === 0) return println('no escalations');
      println(table(res.items.map(escalationRow)));
    });

  escalation
    .command('show')
    .description("a page's escalation and its events: every step fired, with its due time")
    .argument('<page>', 'the page id')
    .action(async (page: string) => {
      const o = globals();
      const e = await withClient(o, async (c) => expectOk(await c.request<Escalation & { events: EscalationEvent[] }>('GET', `/api/v1/escalations/${numericId('page id', page)}`)));
      if (o.json) return printJson(e);
      println(table([escalationRow(e)]));
      println('');
      println(
        table(
          e.events.map((ev) => ({
            at: ev.at,
            event: ev.type,
            step: ev.step === null ? '' : `${ev.step + 1}${ev.round ? ` (round ${ev.round + 1})` : ''}`,
            due: ev.dueAt ?? '',
            by: ev.actor,
            details: Object.keys(ev.details).length ? JSON.stringify(ev.details).slice(0, 100) : '',
          })),
        ),
      );
    });
}
