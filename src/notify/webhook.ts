// Webhook notifier: POSTs the envelope as JSON, signed with HMAC-SHA256 over the exact body bytes with the target's
// secret (`X-Pave-Signature: sha256=<hex>`), with the idempotency key in `Idempotency-Key`. Verification recipe in
// docs/notifications.md. The secret is read from where the contact says (env or file) at each send, never stored.
import { createHmac } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { ClaimedNotification } from '../store/outbox.js';
import { version } from '../version.js';
import { httpResult, networkError, type Notifier, type SendResult } from './notifier.js';

export type SecretRef = { env: string } | { file: string };

/** Reads a webhook secret from where it is; throws with a message that names the source, never the value. */
export type SecretReader = (ref: SecretRef) => Promise<string>;

export function secretReader(env: NodeJS.ProcessEnv = process.env): SecretReader {
  return async (ref) => {
    if ('env' in ref) {
      const v = env[ref.env];
      if (!v) throw new Error(`the webhook secret's environment variable ${ref.env} is not set`);
      return v;
    }
    try {
      return (await readFile(ref.file, 'utf8')).trim();
    } catch (err) {
      throw new Error(`the webhook secret file ${ref.file} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  };
}

/** The signature header's value for `body` under `secret`. */
export function webhookSignature(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;
}

export interface WebhookOptions {
  readSecret: SecretReader;
  timeoutMs: number;
}

export function webhookNotifier(opts: WebhookOptions): Notifier {
  return {
    async send(n: ClaimedNotification): Promise<SendResult> {
      const dest = n.destination as { url: string; secret?: SecretRef };
      const body = JSON.stringify(n.payload);
      const headers: Record<string, string> = {
        'content-type': 'application/json',
        'user-agent': `pave/${version}`,
        'idempotency-key': n.idempotencyKey,
        'x-pave-event': n.eventType,
        'x-pave-delivery-attempt': String(n.attempt),
      };
      if (dest.secret) {
        let secret: string;
        try {
          secret = await opts.readSecret(dest.secret);
        } catch (err) {
          return { ok: false, error: (err as Error).message };
        }
        headers['x-pave-signature'] = webhookSignature(secret, body);
      }
      return postJson(dest.url, headers, body, opts.timeoutMs);
    },
  };
}

/** POSTs `body`; the answer's body is drained and ignored. */
export async function postJson(url: string, headers: Record<string, string>, body: string, timeoutMs: number): Promise<SendResult> {
  try {
    const res = await fetch(url, { method: 'POST', headers, body, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
    await res.arrayBuffer().catch(() => undefined);
    return httpResult(res.status);
  } catch (err) {
    return networkError(err);
  }
}
