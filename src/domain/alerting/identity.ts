// Alert identity and grouping, pure. An alert without an identity of its own is identified by a hash of its labels,
// as Alertmanager's fingerprint is: same label set, same alert.
import { createHash } from 'node:crypto';

/** A stable 16-hex-digit identity for a label set (SHA-256 over the sorted name/value pairs). */
export function labelsFingerprint(labels: Readonly<Record<string, string>>): string {
  const h = createHash('sha256');
  for (const name of Object.keys(labels).sort()) h.update(name).update('\u0000').update(labels[name]!).update('\u0001');
  return h.digest('hex').slice(0, 16);
}

export interface PageGroup {
  /** The page's identity within its scope: the group labels and their values. */
  key: string;
  /** The group labels with the alert's values ('' when absent). */
  labels: Record<string, string>;
}

/** The group an alert's page belongs to: the values of `groupBy` labels (a missing label groups as ''). */
export function pageGroupOf(labels: Readonly<Record<string, string>>, groupBy: readonly string[]): PageGroup {
  const values: Record<string, string> = {};
  for (const name of groupBy) values[name] = labels[name] ?? '';
  return { key: JSON.stringify(groupBy.map((n) => [n, values[n]])), labels: values };
}

/** A page's title from its first alert: its summary annotation, else its summary, else its alert name. */
export function pageTitleOf(alert: { summary: string; labels: Readonly<Record<string, string>>; annotations: Readonly<Record<string, string>> }): string {
  const title = alert.annotations.summary || alert.summary || alert.labels.alertname || 'alert';
  return title.length > 500 ? `${title.slice(0, 499)}…` : title;
}
