// Every migration, in order. Forward-only: never edit one that has shipped; add the next number.
import type { Migration } from 'kysely';
import * as m0001 from './0001_foundation.js';
import * as m0002 from './0002_sli.js';
import * as m0003 from './0003_slo_alerts.js';
import * as m0004 from './0004_schedule_overrides.js';
import * as m0005 from './0005_alerts_and_pages.js';
import * as m0006 from './0006_escalations_and_notifications.js';
import * as m0007 from './0007_silenced_alerts.js';
import * as m0008 from './0008_incidents.js';
import * as m0009 from './0009_changes.js';
import * as m0010 from './0010_postmortems.js';
import * as m0011 from './0011_flag_state.js';
import * as m0012 from './0012_rollouts.js';
import * as m0013 from './0013_incident_severity_scale.js';
import * as m0014 from './0014_web_sessions.js';

export const migrations: Record<string, Migration> = {
  '0001_foundation': m0001,
  '0002_sli': m0002,
  '0003_slo_alerts': m0003,
  '0004_schedule_overrides': m0004,
  '0005_alerts_and_pages': m0005,
  '0006_escalations_and_notifications': m0006,
  '0007_silenced_alerts': m0007,
  '0008_incidents': m0008,
  '0009_changes': m0009,
  '0010_postmortems': m0010,
  '0011_flag_state': m0011,
  '0012_rollouts': m0012,
  '0013_incident_severity_scale': m0013,
  '0014_web_sessions': m0014,
};
