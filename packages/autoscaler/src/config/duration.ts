// Go's duration parsing is written once, in @kedge/core (resources/duration.ts), which the admission
// of config-autoscaler uses too; the autoscaler keeps its import path.
export { formatDuration, parseDuration } from '@kedge/core';
