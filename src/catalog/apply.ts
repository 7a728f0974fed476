// Apply: validate files, plan against the stored catalog, check permissions, then write all or nothing.
import { sql, type Kysely } from 'kysely';
import { findKind, kindOrder } from '../config/kinds/index.js';
import type { ConfigIssue, SourceDocument, SourceFile } from '../config/source.js';
import { checkCatalog, sortIssues, validateFiles } from '../config/validate.js';
import { catalogView, objectKey, type CatalogView, type ConfigObject } from '../domain/objects.js';
import { canChangeObject, type Principal } from '../domain/permissions.js';
import { planChanges, type Plan } from '../domain/plan.js';
import { appendAudit } from '../store/audit.js';
import { recordAppliedFlagChanges, type AppliedFlagChange } from '../store/flags.js';
import { deleteObject, insertObject, listObjects, updateObject, withoutStatus } from '../store/objects.js';
import { listTokens, revokeToken } from '../store/tokens.js';
import type { Database } from '../store/schema.js';

export interface ApplyRequest {
  files: SourceFile[];
  prune: boolean;
  dryRun: boolean;
  principal: Principal;
  requestId?: string;
  /** When the changes happen (their change events' time); defaults to the system clock. */
  now?: Date;
}

export interface Denial {
  kind: string;
  name: string;
  reason: string;
}

export type ApplyOutcome = 'applied' | 'planned' | 'invalid' | 'forbidden';

export interface ApplyResult {
  outcome: ApplyOutcome;
  plan: Plan;
  /** Errors and warnings; any error means nothing was written. */
  issues: ConfigIssue[];
  denied: Denial[];
  /** Member tokens revoked because their team was deleted (callers drop them from any cache). */
  revokedTokens: string[];
}

/** Serialises applies so that two concurrent ones cannot both plan against the same snapshot. */
const applyLockId = 0x7061_7665; // "pave"

function ownersOf(obj: ConfigObject, catalog: CatalogView): string[] {
  return findKind(obj.kind)?.owners(obj, catalog) ?? [];
}

function mayChange(p: Principal, obj: ConfigObject, catalog: CatalogView): boolean {
  return canChangeObject(p, objectKey(obj), ownersOf(obj, catalog), ownersOf(obj, catalog)).allowed;
}

export async function applyFiles(db: Kysely<Database>, req: ApplyRequest): Promise<ApplyResult> {
  const validated = validateFiles(req.files);
  const desired = validated.objects.map((v) => v.object);
  const sources = new Map<string, SourceDocument>(validated.objects.map((v) => [objectKey(v.object), v.source]));

  const run = async (trx: Kysely<Database>): Promise<ApplyResult> => {
    if (!req.dryRun) await sql`select pg_advisory_xact_lock(${applyLockId})`.execute(trx);
    const stored = await listObjects(trx);
    const current = stored.map(withoutStatus);
    const currentView = catalogView(current);
    const plan = planChanges({
      current,
      desired,
      prune: req.prune,
      mayPrune: (o) => mayChange(req.principal, o, currentView),
      kindOrder,
    });

    const deleted = new Set(plan.changes.filter((c) => c.action === 'delete').map((c) => `${c.kind}/${c.name}`));
    const resulting = new Map<string, ConfigObject>();
    for (const o of current) if (!deleted.has(objectKey(o))) resulting.set(objectKey(o), o);
    for (const o of desired) resulting.set(objectKey(o), o);
    const resultingView = catalogView(resulting.values());

    const issues = sortIssues([...validated.issues, ...checkCatalog([...resulting.values()], sources, validated.declared, deleted)]);
    const denied: Denial[] = [];
    for (const c of plan.changes) {
      if (c.action === 'unchanged') continue;
      const before = c.before ? ownersOf(c.before, currentView) : null;
      const after = c.after ? ownersOf(c.after, resultingView) : null;
      const d = canChangeObject(req.principal, `${c.kind}/${c.name}`, before, after);
      if (!d.allowed) {
        denied.push({ kind: c.kind, name: c.name, reason: d.reason });
        continue;
      }
      // A change may also alter who owns objects that already exist (a team listing an existing person).
      for (const ref of findKind(c.kind)?.affects?.(c.before?.spec ?? null, c.after?.spec ?? null) ?? []) {
        const existing = currentView.get(ref.kind, ref.name);
        if (!existing) continue;
        const owners = ownersOf(existing, currentView);
        const a = canChangeObject(req.principal, `${ref.kind}/${ref.name}`, owners, owners);
        if (!a.allowed) denied.push({ kind: c.kind, name: c.name, reason: `${c.kind}/${c.name} would add ${ref.kind}/${ref.name}: ${a.reason}` });
      }
    }

    if (issues.some((i) => i.severity === 'error')) return { outcome: 'invalid', plan, issues, denied, revokedTokens: [] };
    if (denied.length > 0) return { outcome: 'forbidden', plan, issues, denied, revokedTokens: [] };
    if (req.dryRun) return { outcome: 'planned', plan, issues, denied, revokedTokens: [] };

    const actor = req.principal.actor;
    // A deleted team's member tokens must not come back to life if a team of that name is created again.
    const revokedTokens: string[] = [];
    const deletedTeams = new Set(plan.changes.filter((c) => c.action === 'delete' && c.kind === 'Team').map((c) => c.name));
    if (deletedTeams.size > 0) {
      for (const t of await listTokens(trx)) {
        if (t.role !== 'member' || !t.team || !deletedTeams.has(t.team)) continue;
        await revokeToken(trx, t.id, new Date(), { actor, requestId: req.requestId ?? null });
        revokedTokens.push(t.id);
      }
    }
    for (const c of plan.changes) {
      if (c.action === 'unchanged') continue;
      if (c.action === 'delete') {
        await deleteObject(trx, c.kind, c.name);
        continue;
      }
      const obj = c.after!;
      const owners = ownersOf(obj, resultingView);
      const write = {
        object: obj,
        ownerTeam: owners.length === 1 ? owners[0]! : null,
        sourceFile: sources.get(objectKey(obj))?.file ?? null,
        actor,
      };
      await (c.action === 'create' ? insertObject(trx, write) : updateObject(trx, write));
    }
    await appendAudit(
      trx,
      plan.changes
        .filter((c) => c.action !== 'unchanged')
        .map((c) => ({ actor, action: c.action, kind: c.kind, name: c.name, before: c.before, after: c.after, requestId: req.requestId ?? null })),
    );
    // Each changed flag is a change event of kind `flag`, committed with the apply (or not at all).
    await recordAppliedFlagChanges(
      trx,
      plan.changes
        .filter((c) => c.kind === 'Flag' && c.action !== 'unchanged')
        .map((c) => ({ action: c.action as AppliedFlagChange['action'], name: c.name, ...(c.action === 'update' ? { fields: c.fields.map((f) => f.path) } : {}) })),
      { actor, requestId: req.requestId ?? null, now: req.now ?? new Date() },
    );
    return { outcome: 'applied', plan, issues, denied, revokedTokens };
  };

  return req.dryRun ? run(db) : db.transaction().execute((trx) => run(trx));
}
