export * from './notification-rules.js';
export * from './policy.js';
