// Postmortems, pure: the policy (who needs one, by when), the document and its lifecycle, action items, the advisory
// checks, the impact on SLOs (the SLO engine's arithmetic over the incident window) and the Markdown export.
export * from './document.js';
export * from './impact.js';
export * from './markdown.js';
export * from './policy.js';
