// The schedule the on-call API tests share (not a test file itself, so importing it runs no tests).

/**
 * payments-primary, Europe/Berlin (CET until Sunday 29 March 2026 02:00, CEST after): alice and bob take weeks from
 * Monday 09:00; chen covers office hours on weekdays; one override in the spec on Saturday 28 March.
 */
export const paymentsSchedule = `
---
apiVersion: pave/v1
kind: Schedule
metadata: { name: payments-primary, displayName: Payments primary }
spec:
  owner: payments
  timezone: Europe/Berlin
  layers:
    - { name: weekly, participants: [alice, bob], length: 1w, handoff: "09:00", start: 2026-03-02 }
    - name: office
      participants: [chen]
      length: 1d
      handoff: "09:00"
      start: 2026-03-02
      restrictions: [ { days: [mon, tue, wed, thu, fri], from: "09:00", to: "17:00" } ]
  overrides:
    - { person: chen, start: 2026-03-28T10:00, end: 2026-03-28T12:00, reason: config cover }
`;
