// The SLO mathematics, pure: see README.md in this folder for every formula.
export * from './array-series.js';
export * from './budget.js';
export * from './burn.js';
export * from './ceiling.js';
export * from './composite.js';
export * from './corrections.js';
export * from './decimal.js';
export * from './definition.js';
export * from './evaluate.js';
export * from './measure.js';
export * from './no-data.js';
export * from './objective.js';
export * from './ranges.js';
export * from './series.js';
export * from './slices.js';
export * from './status.js';
export * from './tiers.js';
