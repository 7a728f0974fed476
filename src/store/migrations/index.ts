// Every migration, in order. Forward-only: never edit one that has shipped; add the next number.
import type { Migration } from 'kysely';
import * as m0001 from './0001_foundation.js';
import * as m0002 from './0002_sli.js';
import * as m0003 from './0003_slo_alerts.js';
import * as m0004 from './0004_schedule_overrides.js';
import * as m0005 from './0005_alerts_and_pages.js';
import * as m0006 from './0006_escalations_and_notifications.js';
import * as m0007 from './0007_silenced_alerts.js';

export const migrations: Record<string, Migration> = {
  '0001_foundation': m0001,
  '0002_sli': m0002,
  '0003_slo_alerts': m0003,
  '0004_schedule_overrides': m0004,
  '0005_alerts_and_pages': m0005,
  '0006_escalations_and_notifications': m0006,
  '0007_silenced_alerts': m0007,
};
