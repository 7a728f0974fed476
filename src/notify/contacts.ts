// Where a person's contact sends: the outbox channel and destination of each contact type. SMS has no notifier yet
// (null): such contacts are accepted in config and documented as not notified.
import type { Contact } from '../config/kinds/person.js';
import type { Destination, NotificationChannel } from '../store/outbox.js';

export function destinationOf(c: Contact): { channel: NotificationChannel; destination: Destination } | null {
  if (c.type === 'email') return { channel: 'email', destination: { address: c.address } };
  if (c.type === 'webhook') return { channel: 'webhook', destination: c.secret ? { url: c.url, secret: c.secret } : { url: c.url } };
  if (c.type === 'slack') return { channel: 'slack', destination: { url: c.url } };
  return null;
}
