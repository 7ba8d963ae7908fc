export { Cancellation } from './cancellation.js';
export { RequestTimeout, type TimeoutField } from './timeout.js';
export { Deadlines, type DeadlineSettings } from './deadlines.js';
export { trackBody, concat, type BodyHooks } from './body.js';
export { RequestStats, type RequestStatsReport } from './request-stats.js';
