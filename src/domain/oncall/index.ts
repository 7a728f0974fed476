// On-call schedules: layers of rotations, restrictions, swaps and overrides → shifts; iCalendar feeds of shifts.
export * from './ical.js';
export * from './local-time.js';
export * from './schedule.js';
export * from './shifts.js';
