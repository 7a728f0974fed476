// The stale-flag report: flags that outlived the lifetime their team expected. A flag left in the code after its
// release is finished is debt (dead branches, surprise when someone flips it); Unleash calls these "potentially stale".

/** Default expected lifetimes in days by purpose (Unleash's defaults); null = permanent, never stale. */
export const defaultLifetimeDays: Record<FlagPurpose, number | null> = {
  release: 40,
  experiment: 40,
  operational: 7,
  'kill-switch': null,
  permission: null,
};

export const flagPurposes = ['release', 'experiment', 'operational', 'kill-switch', 'permission'] as const;
export type FlagPurpose = (typeof flagPurposes)[number];

export interface FlagAge {
  name: string;
  owner: string;
  purpose: FlagPurpose;
  /** Expected lifetime in minutes; null = permanent. */
  lifetimeMinutes: number | null;
  /** When the flag was first applied (epoch ms). */
  createdMs: number;
  enabled: boolean;
  percentage: number | undefined;
}

export interface StaleFlag {
  name: string;
  owner: string;
  purpose: FlagPurpose;
  createdAt: string;
  /** When it became stale: created + lifetime, ISO 8601 UTC. */
  staleSince: string;
  ageDays: number;
  lifetimeDays: number;
  /** Whole days past its lifetime. */
  overdueDays: number;
  enabled: boolean;
  percentage: number | null;
  /** What the state suggests: remove the flag and keep the code it guards, or remove both. */
  hint: string;
}

const DAY = 86_400_000;

function hintFor(f: FlagAge): string {
  if (!f.enabled) return 'off (kill switch): remove the flag and the code it guards, or turn it back on';
  if (f.percentage === 100) return 'fully rolled out: remove the flag and keep the code it guards';
  if (f.percentage === 0) return 'rolled out to nobody: remove the flag and the code it guards';
  return 'still partly rolled out: finish the rollout or extend expectedLifetime';
}

/** Flags older than their expected lifetime at `nowMs`, the most overdue first (then by name). */
export function staleFlags(flags: readonly FlagAge[], nowMs: number): StaleFlag[] {
  const out: StaleFlag[] = [];
  for (const f of flags) {
    if (f.lifetimeMinutes === null) continue;
    const staleAt = f.createdMs + f.lifetimeMinutes * 60_000;
    if (nowMs < staleAt) continue;
    out.push({
      name: f.name,
      owner: f.owner,
      purpose: f.purpose,
      createdAt: new Date(f.createdMs).toISOString(),
      staleSince: new Date(staleAt).toISOString(),
      ageDays: Math.floor((nowMs - f.createdMs) / DAY),
      lifetimeDays: f.lifetimeMinutes / 1440,
      overdueDays: Math.floor((nowMs - staleAt) / DAY),
      enabled: f.enabled,
      percentage: f.percentage ?? null,
      hint: hintFor(f),
    });
  }
  return out.sort((a, b) => b.overdueDays - a.overdueDays || (a.name < b.name ? -1 : 1));
}
