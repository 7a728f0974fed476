// Budget policies and the release gate, pure (DESIGN §9): the kinds of change, which policy governs a service, decideGate.
export * from './change-kinds.js';
export * from './policy.js';
