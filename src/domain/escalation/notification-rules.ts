// Per-person notification rules, pure: when a step reaches a person, which of their contact methods get a
// notification and when ("webhook at once, email after 5 minutes if still not acknowledged").

export type ContactType = 'email' | 'webhook' | 'slack' | 'sms';

/** The contact types pave can deliver to today (sms has no notifier yet). */
export const deliverableContactTypes: readonly ContactType[] = ['email', 'webhook', 'slack'];

export interface ContactRef {
  type: ContactType;
  /** Optional name, so a rule can pick one of several contacts of one type. */
  name?: string;
}

export interface NotificationRule {
  /** A contact's name, or a type (every contact of that type). */
  contact: string;
  /** Minutes after the step reached the person; 0 = at once. Later notifications are dropped once acknowledged. */
  afterMinutes: number;
}

/** One notification to send: which contact (index into the person's contacts), and from when. */
export interface PlannedNotification {
  contactIndex: number;
  rule: number;
  notBefore: number;
}

/** Contacts a rule names: the contact with that name, else every contact of that type. */
export function contactsOfRule(contacts: readonly ContactRef[], rule: NotificationRule): number[] {
  const named = contacts.findIndex((c) => c.name === rule.contact);
  if (named >= 0) return [named];
  return contacts.flatMap((c, i) => (c.type === rule.contact ? [i] : []));
}

/**
 * What to send when a step reaches a person at `reachedAt`. Without rules every deliverable contact gets one at once
 * (the behaviour of a Person written before rules existed). A contact named by two rules gets one per rule.
 */
export function plannedNotifications(contacts: readonly ContactRef[], rules: readonly NotificationRule[], reachedAt: number): PlannedNotification[] {
  const deliverable = (i: number) => deliverableContactTypes.includes(contacts[i]!.type);
  if (rules.length === 0) {
    return contacts.flatMap((_, i) => (deliverable(i) ? [{ contactIndex: i, rule: -1, notBefore: reachedAt }] : []));
  }
  return rules.flatMap((rule, r) =>
    contactsOfRule(contacts, rule)
      .filter(deliverable)
      .map((contactIndex) => ({ contactIndex, rule: r, notBefore: reachedAt + rule.afterMinutes * 60_000 })),
  );
}
