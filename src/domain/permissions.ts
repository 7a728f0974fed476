// Who may do what: the permission rules of DESIGN §11, as pure functions over a principal.

export type Role = 'admin' | 'member' | 'ingest' | 'viewer';

export const roles: readonly Role[] = ['admin', 'member', 'ingest', 'viewer'];

export interface Principal {
  /** Stable actor string for the audit log, e.g. `token:ab12cd34 (ci-deployer)` or `local:alice`. */
  actor: string;
  role: Role;
  /** The team a member token writes for. */
  team?: string;
  /** The services an ingest token may send telemetry for. */
  services?: string[];
  tokenId?: string;
}

export type Decision = { allowed: true } | { allowed: false; reason: string };

const allow: Decision = { allowed: true };

export function canRead(p: Principal): Decision {
  if (p.role === 'ingest') return { allowed: false, reason: 'ingest tokens may only send telemetry; use a viewer token to read' };
  return allow;
}

export function isAdmin(p: Principal): Decision {
  return p.role === 'admin' ? allow : { allowed: false, reason: 'only an admin token may do this' };
}

/**
 * May `p` change an object whose owning teams are `ownersBefore` (null when it does not exist yet) into one owned by
 * `ownersAfter` (null when it is deleted)? Empty owner lists mean the object belongs to no team: admins only.
 */
export function canChangeObject(
  p: Principal,
  target: string,
  ownersBefore: string[] | null,
  ownersAfter: string[] | null,
): Decision {
  if (p.role === 'admin') return allow;
  if (p.role !== 'member' || !p.team) {
    return { allowed: false, reason: `${target}: a ${p.role} token cannot change configuration` };
  }
  const team = p.team;
  for (const [owners, when] of [
    [ownersBefore, 'is currently owned by'],
    [ownersAfter, 'would be owned by'],
  ] as const) {
    if (owners === null) continue;
    if (owners.length === 0) return { allowed: false, reason: `${target} belongs to no team: only an admin may change it` };
    if (!owners.includes(team)) {
      return { allowed: false, reason: `${target} ${when} ${owners.join(', ')}, not ${team}` };
    }
  }
  return allow;
}
