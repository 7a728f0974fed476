// Who may change an incident (DESIGN §8, §11), pure. Tokens act for a team, not a person, so "a responder" is a
// member token of a team that responds: the team owning an affected service, the team a linked page paged (its
// escalation's target), or a team of which a person holding an incident role is a member. Admins may do anything;
// viewers only read (the route's access level already refuses their writes).
import type { Decision, Principal } from '../permissions.js';

export interface IncidentResponders {
  /** Owners of the affected services. */
  owningTeams: readonly string[];
  /** Teams the linked pages paged. */
  pagedTeams: readonly string[];
  /** Teams of the people holding a role. */
  roleHolderTeams: readonly string[];
}

export function mayEditIncident(p: Principal, incidentId: string, r: IncidentResponders): Decision {
  if (p.role === 'admin') return { allowed: true };
  if (p.role !== 'member' || !p.team) return { allowed: false, reason: `a ${p.role} token cannot change incidents` };
  const team = p.team;
  if (r.owningTeams.includes(team) || r.pagedTeams.includes(team) || r.roleHolderTeams.includes(team)) return { allowed: true };
  const responders = [...new Set([...r.owningTeams, ...r.pagedTeams, ...r.roleHolderTeams])].sort();
  return {
    allowed: false,
    reason:
      responders.length === 0
        ? `incident ${incidentId} has no responding team yet (no affected service, page or role holder): only an admin may change it`
        : `incident ${incidentId} is handled by ${responders.join(', ')}, not ${team}: only their members or an admin may change it`,
  };
}

/** Declaring: a member for a team owning one of the services or paged by one of the pages; admins always. */
export function mayDeclareIncident(p: Principal, owningTeams: readonly string[], pagedTeams: readonly string[]): Decision {
  if (p.role === 'admin') return { allowed: true };
  if (p.role !== 'member' || !p.team) return { allowed: false, reason: `a ${p.role} token cannot declare incidents` };
  if (owningTeams.includes(p.team) || pagedTeams.includes(p.team)) return { allowed: true };
  return {
    allowed: false,
    reason:
      owningTeams.length + pagedTeams.length === 0
        ? 'name an affected service your team owns (or promote a page that paged your team); only an admin may declare an incident for no team'
        : `the affected services and pages belong to ${[...new Set([...owningTeams, ...pagedTeams])].sort().join(', ')}, not ${p.team}`,
  };
}

/**
 * Status updates speak for the incident to the public: only the communications lead (a member token of one of their
 * teams) or an admin posts them.
 */
export function mayPostStatusUpdate(p: Principal, incidentId: string, communicationsLead: string | null, leadTeams: readonly string[]): Decision {
  if (p.role === 'admin') return { allowed: true };
  if (communicationsLead === null) return { allowed: false, reason: `incident ${incidentId} has no communications lead: assign one (or post as an admin)` };
  if (p.role === 'member' && p.team && leadTeams.includes(p.team)) return { allowed: true };
  return { allowed: false, reason: `status updates of incident ${incidentId} are posted by its communications lead ${communicationsLead} (teams: ${leadTeams.join(', ') || 'none'}) or an admin` };
}
