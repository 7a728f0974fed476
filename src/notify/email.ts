// Email notifier over SMTP (nodemailer). The Message-ID is derived from the idempotency key, so a mail server or
// client that sees the same message twice (a retry after a lost answer) can tell. The SMTP password comes from the
// environment or a file and is never logged.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import nodemailer, { type Transporter } from 'nodemailer';
import type { ClaimedNotification } from '../store/outbox.js';
import { subjectOf, textLinesOf, type NotificationEnvelope } from './message.js';
import type { Notifier, SendResult } from './notifier.js';

export interface SmtpOptions {
  host: string;
  port: number;
  /** TLS from the first byte (port 465); otherwise STARTTLS when the server offers it. */
  secure: boolean;
  user?: string;
  password?: string;
  from: string;
  /** Refuse to send without TLS (default false, for local relays and tests). */
  requireTls?: boolean;
  timeoutMs: number;
}

/**
 * SMTP settings from the environment: PAVE_SMTP_URL (smtp://user@host:587 or smtps://host:465), PAVE_SMTP_FROM,
 * and the password in PAVE_SMTP_PASSWORD or the file PAVE_SMTP_PASSWORD_FILE. Undefined when no URL is set.
 */
export function smtpOptionsFromEnv(env: NodeJS.ProcessEnv): SmtpOptions | undefined {
  const text = env.PAVE_SMTP_URL;
  if (!text) return undefined;
  const u = new URL(text);
  if (u.password) throw new Error('PAVE_SMTP_URL must not contain the password: use PAVE_SMTP_PASSWORD or PAVE_SMTP_PASSWORD_FILE');
  const secure = u.protocol === 'smtps:';
  const password = env.PAVE_SMTP_PASSWORD ?? (env.PAVE_SMTP_PASSWORD_FILE ? readFileSync(env.PAVE_SMTP_PASSWORD_FILE, 'utf8').trim() : undefined);
  return {
    host: u.hostname,
    port: Number(u.port || (secure ? 465 : 587)),
    secure,
    ...(u.username ? { user: decodeURIComponent(u.username) } : {}),
    ...(password ? { password } : {}),
    from: env.PAVE_SMTP_FROM ?? `pave <pave@${u.hostname}>`,
    requireTls: env.PAVE_SMTP_REQUIRE_TLS === 'true',
    timeoutMs: 30_000,
  };
}

const escapeHtml = (s: string): string => s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');

export function emailMessage(e: NotificationEnvelope, key: string): { subject: string; text: string; html: string; messageId: string } {
  const lines = textLinesOf(e);
  const linkLine = (l: string) => {
    const m = /^(Acknowledge|Resolve): (\S+)$/.exec(l);
    return m ? `<p><a href="${escapeHtml(m[2]!)}">${m[1]}</a></p>` : `<p>${escapeHtml(l)}</p>`;
  };
  return {
    subject: subjectOf(e),
    text: lines.join('\n'),
    html: `<!doctype html><html><body>${lines.filter((l) => l !== '').map(linkLine).join('\n')}</body></html>`,
    messageId: `<${createHash('sha256').update(key).digest('hex').slice(0, 32)}@pave>`,
  };
}

/** An SMTP transport for these settings (the notifier's, and the weekly report's). */
export function smtpTransport(smtp: SmtpOptions): Transporter {
  return nodemailer.createTransport({
    host: smtp.host,
    port: smtp.port,
    secure: smtp.secure,
    requireTLS: smtp.requireTls ?? false,
    ...(smtp.user ? { auth: { user: smtp.user, pass: smtp.password ?? '' } } : {}),
    connectionTimeout: smtp.timeoutMs,
    greetingTimeout: smtp.timeoutMs,
    socketTimeout: smtp.timeoutMs,
    logger: false,
  });
}

export function emailNotifier(smtp: SmtpOptions | undefined): Notifier & { close(): void } {
  const transport = smtp ? smtpTransport(smtp) : undefined;
  return {
    async send(n: ClaimedNotification): Promise<SendResult> {
      if (!transport || !smtp) return { ok: false, error: 'email is not configured: set PAVE_SMTP_URL and PAVE_SMTP_FROM' };
      const m = emailMessage(n.payload as unknown as NotificationEnvelope, n.idempotencyKey);
      try {
        await transport.sendMail({
          from: smtp.from,
          to: (n.destination as { address: string }).address,
          subject: m.subject,
          text: m.text,
          html: m.html,
          messageId: m.messageId,
          headers: { 'Idempotency-Key': n.idempotencyKey, 'X-Pave-Event': n.eventType },
        });
        return { ok: true };
      } catch (err) {
        const e = err as Error & { responseCode?: number };
        // 5xx SMTP replies are permanent (unknown mailbox), 4xx are worth retrying.
        const permanent = e.responseCode !== undefined && e.responseCode >= 500;
        return { ok: false, error: e.message.slice(0, 500), permanent, ...(e.responseCode ? { statusCode: e.responseCode } : {}) };
      }
    },
    close() {
      transport?.close();
    },
  };
}
