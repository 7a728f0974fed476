// Catalog objects in the store: one row per kind/name, spec and metadata as JSON.
import type { Kysely, Selectable, Transaction } from 'kysely';
import type { ConfigObject } from '../domain/objects.js';
import type { Database, ObjectsTable } from './schema.js';

export interface StoredObject extends ConfigObject {
  status: {
    generation: number;
    createdAt: string;
    updatedAt: string;
    updatedBy: string;
    ownerTeam: string | null;
    sourceFile: string | null;
  };
}

type Db = Kysely<Database> | Transaction<Database>;

function toStored(row: Selectable<ObjectsTable>): StoredObject {
  return {
    apiVersion: 'pave/v1',
    kind: row.kind,
    metadata: row.metadata as unknown as ConfigObject["metadata"],
    spec: row.spec,
    status: {
      generation: row.generation,
      createdAt: new Date(row.created_at).toISOString(),
      updatedAt: new Date(row.updated_at).toISOString(),
      updatedBy: row.updated_by,
      ownerTeam: row.owner_team,
      sourceFile: row.source_file,
    },
  };
}

export async function listObjects(db: Db, kind?: string): Promise<StoredObject[]> {
  let q = db.selectFrom('objects').selectAll();
  if (kind) q = q.where('kind', '=', kind);
  const rows = await q.orderBy('kind').orderBy('name').execute();
  return rows.map(toStored);
}

export async function getObject(db: Db, kind: string, name: string): Promise<StoredObject | undefined> {
  const row = await db.selectFrom('objects').selectAll().where('kind', '=', kind).where('name', '=', name).executeTakeFirst();
  return row ? toStored(row) : undefined;
}

export interface ObjectWrite {
  object: ConfigObject;
  ownerTeam: string | null;
  sourceFile: string | null;
  actor: string;
}

export async function insertObject(db: Db, w: ObjectWrite): Promise<void> {
  await db
    .insertInto('objects')
    .values({
      kind: w.object.kind,
      name: w.object.metadata.name,
      api_version: w.object.apiVersion,
      metadata: JSON.stringify(w.object.metadata),
      spec: JSON.stringify(w.object.spec),
      owner_team: w.ownerTeam,
      source_file: w.sourceFile,
      generation: 1,
      updated_by: w.actor,
    })
    .execute();
}

export async function updateObject(db: Db, w: ObjectWrite): Promise<void> {
  await db
    .updateTable('objects')
    .set((eb) => ({
      metadata: JSON.stringify(w.object.metadata),
      spec: JSON.stringify(w.object.spec),
      owner_team: w.ownerTeam,
      source_file: w.sourceFile,
      generation: eb('generation', '+', 1),
      updated_at: new Date(),
      updated_by: w.actor,
    }))
    .where('kind', '=', w.object.kind)
    .where('name', '=', w.object.metadata.name)
    .execute();
}

export async function deleteObject(db: Db, kind: string, name: string): Promise<void> {
  await db.deleteFrom('objects').where('kind', '=', kind).where('name', '=', name).execute();
}

/** Strips store bookkeeping so stored and declared objects compare equal when their content is. */
export function withoutStatus(o: StoredObject): ConfigObject {
  return { apiVersion: o.apiVersion, kind: o.kind, metadata: o.metadata, spec: o.spec };
}
