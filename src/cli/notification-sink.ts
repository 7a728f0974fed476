// The demo's stand-in for a pager: a local HTTP endpoint that the example people's `pager` webhook contacts point at.
// It prints each notification pave delivers (who, what, which step) with the commands that answer it, so a newcomer
// sees a page reach the on-call person, escalate, and stop when acknowledged — through the real outbox and webhook
// notifier, signatures and retries included.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Envelope } from '../notify/message.js';
import { subjectOf } from '../notify/message.js';

export interface NotificationSink {
  /** `http://127.0.0.1:PORT`, what the example contacts' URLs must start with. */
  origin: string;
  close(): Promise<void>;
}

export interface SinkOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  print: (line: string) => void;
}

/** Lines printed for one delivered notification: when, to whom, the subject, the step, and how to answer it. */
export function describeNotification(person: string, e: Envelope): string[] {
  const time = (e.occurred_at ?? new Date().toISOString()).slice(11, 19);
  // Not every notification is about a page (a break-glass announcement, an incident status update): show its event.
  if (!e.data?.page) {
    const data = (e.data ?? {}) as { gate?: { summary?: string }; update?: { message?: string }; change?: { service?: string } };
    const what = data.gate?.summary ?? data.update?.message ?? data.change?.service ?? '';
    return [`${time}Z  NOTIFY ${person.padEnd(6)} ${e.event_type}${what ? `: ${what}` : ''}`];
  }
  const lines = [`${time}Z  NOTIFY ${person.padEnd(6)} ${subjectOf(e)}`];
  const d = e.data;
  if (d.escalation) lines.push(`           escalation policy ${d.escalation.policy}, step ${d.escalation.step + 1}, round ${d.escalation.round + 1}`);
  if (e.event_type === 'page.triggered' || e.event_type === 'page.escalated') {
    lines.push(`           acknowledge: npx pave page ack ${d.page.id}    (or open ${d.actions?.acknowledge ?? 'the page'})`);
  }
  return lines;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > 1_048_576) throw new Error('body over 1 MiB');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export async function startNotificationSink(o: SinkOptions): Promise<NotificationSink> {
  const server: Server = createServer((req, res) => {
    const m = /^\/notify\/([a-z0-9-]+)$/.exec(req.url ?? '');
    if (req.method !== 'POST' || !m) {
      res.writeHead(404).end();
      return;
    }
    readBody(req).then(
      (text) => {
        let envelope: Envelope;
        try {
          envelope = JSON.parse(text) as Envelope;
        } catch {
          res.writeHead(400).end();
          return;
        }
        // Answer first: pave records the delivery as done on a 2xx, whatever the sink does next.
        res.writeHead(204).end();
        for (const line of describeNotification(m[1]!, envelope)) o.print(line);
      },
      () => res.writeHead(413).end(),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://${o.host}:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
