// Alert ingest and paging, pure: wire formats in, identities, page groups and routes out.
export * from './types.js';
export * from './identity.js';
export * from './alertmanager.js';
export * from './pagerduty.js';
export * from './routing.js';
export * from './slo-alerts.js';
export * from './webhook.js';
export * from './silences.js';
