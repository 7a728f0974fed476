// The kinds of change pave knows. One list for change events, gate checks and budget policies' exemptions, so a kind
// a policy exempts is a kind a pipeline can send. Add a kind here and every schema accepts it.

export const changeKinds = ['deploy', 'fix', 'security', 'config', 'flag', 'infrastructure', 'rollback', 'rollout', 'break_glass'] as const;

export type ChangeKind = (typeof changeKinds)[number];

export function isChangeKind(v: unknown): v is ChangeKind {
  return typeof v === 'string' && (changeKinds as readonly string[]).includes(v);
}
