// Where an alert pages, pure: the alert's `service` label → that service → its owning team; else its `team` label →
// that team; else the integration's own service or team. Each team's escalation policy is named on the page for the
// escalation side to run. An alert matching none of these is unrouted: it still opens a page, on the catch-all.

export interface RoutingCatalog {
  /** Service name → owning team. */
  serviceOwners: ReadonlyMap<string, string>;
  teams: ReadonlySet<string>;
  /** Service name → the escalation policy the service names itself. */
  servicePolicies: ReadonlyMap<string, string>;
  /** Team name → the escalation policy that pages it: the team's own, else one the team owns. */
  teamPolicies: ReadonlyMap<string, string>;
  /** The policy for unrouted pages, when one exists. */
  catchAllPolicy: string | null;
}

export interface RouteDefault {
  service?: string;
  team?: string;
}

export interface Route {
  team: string | null;
  service: string | null;
  escalationPolicy: string | null;
  unrouted: boolean;
  /** Why, in words: shown on the page. */
  reason: string;
}

function toTeam(catalog: RoutingCatalog, team: string, service: string | null, reason: string): Route {
  const policy = (service === null ? undefined : catalog.servicePolicies.get(service)) ?? catalog.teamPolicies.get(team) ?? null;
  return { team, service, escalationPolicy: policy, unrouted: false, reason };
}

export function routeAlert(labels: Readonly<Record<string, string>>, fallback: RouteDefault, catalog: RoutingCatalog): Route {
  const misses: string[] = [];
  const service = labels.service;
  if (service) {
    const owner = catalog.serviceOwners.get(service);
    if (owner) return toTeam(catalog, owner, service, `label service=${service} → owned by ${owner}`);
    misses.push(`label service=${service} names no known service`);
  }
  const team = labels.team;
  if (team) {
    if (catalog.teams.has(team)) return toTeam(catalog, team, null, `label team=${team}`);
    misses.push(`label team=${team} names no known team`);
  }
  if (fallback.service) {
    const owner = catalog.serviceOwners.get(fallback.service);
    if (owner) return toTeam(catalog, owner, fallback.service, `integration service ${fallback.service} → owned by ${owner}`);
    misses.push(`integration service ${fallback.service} no longer exists`);
  }
  if (fallback.team) {
    if (catalog.teams.has(fallback.team)) return toTeam(catalog, fallback.team, null, `integration team ${fallback.team}`);
    misses.push(`integration team ${fallback.team} no longer exists`);
  }
  if (misses.length === 0) misses.push('no service or team label and the integration names neither');
  return { team: null, service: null, escalationPolicy: catalog.catchAllPolicy, unrouted: true, reason: `unrouted: ${misses.join('; ')}` };
}
