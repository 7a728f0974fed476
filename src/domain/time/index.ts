// Time for the SLO math: durations in whole minutes, zones through Intl, rolling and calendar windows.
export * from './duration.js';
export * from './window.js';
export * from './zone.js';
