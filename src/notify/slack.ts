// Slack-compatible incoming webhook notifier (Slack, Mattermost, Rocket.Chat): `{text, blocks}` where `text` is the
// fallback for clients that do not show blocks. Such webhooks have no signature: the URL itself is the secret.
import type { ClaimedNotification } from '../store/outbox.js';
import { version } from '../version.js';
import { subjectOf, textLinesOf, type NotificationEnvelope } from './message.js';
import type { Notifier, SendResult } from './notifier.js';
import { postJson } from './webhook.js';

/** Slack's mrkdwn needs &, < and > escaped. */
const escape = (s: string): string => s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');

export function slackMessage(e: NotificationEnvelope): { text: string; blocks: unknown[] } {
  const lines = textLinesOf(e).slice(2).filter((l) => l !== '' && !l.startsWith('Acknowledge:') && !l.startsWith('Resolve:') && !l.startsWith('(links'));
  const blocks: unknown[] = [
    { type: 'header', text: { type: 'plain_text', text: subjectOf(e).slice(0, 150) } },
    { type: 'section', text: { type: 'mrkdwn', text: escape(lines.join('\n')) } },
  ];
  if ('actions' in e.data && e.data.actions) {
    blocks.push({
      type: 'actions',
      elements: [
        { type: 'button', text: { type: 'plain_text', text: 'Acknowledge' }, url: e.data.actions.acknowledge, style: 'primary' },
        { type: 'button', text: { type: 'plain_text', text: 'Resolve' }, url: e.data.actions.resolve },
      ],
    });
  }
  return { text: subjectOf(e), blocks };
}

export function slackNotifier(opts: { timeoutMs: number }): Notifier {
  return {
    async send(n: ClaimedNotification): Promise<SendResult> {
      const dest = n.destination as { url: string };
      const body = JSON.stringify(slackMessage(n.payload as unknown as NotificationEnvelope));
      const headers = { 'content-type': 'application/json', 'user-agent': `pave/${version}`, 'idempotency-key': n.idempotencyKey };
      return postJson(dest.url, headers, body, opts.timeoutMs);
    },
  };
}
