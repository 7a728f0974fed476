// Incident severities are a configurable scale (PAVE_INCIDENT_SEVERITIES), checked by the API: the column no longer
// holds the default scale's four labels as a constraint, so an organisation with SEV0 or P1–P5 can record its own.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table incidents drop constraint if exists incidents_severity_check`.execute(db);
  await sql`alter table incidents add constraint incidents_severity_label check (severity ~ '^[A-Za-z0-9][A-Za-z0-9_-]{0,19}$')`.execute(db);
}
