import { defaultTemplate, defaultTraffic, setUserInfo } from '../defaulting.js';
import { isObj } from '../validation/errors.js';
import { obj, template, top, traffic } from '../validation/fields.js';
import { validateService } from '../validation/kinds.js';
import { COLUMN, defineKind, kindInfo, SERVING_GROUP } from './definition.js';

export const LATEST_COLUMNS = [
  COLUMN.status('LatestCreated', 'latestCreatedRevisionName'),
  COLUMN.status('LatestReady', 'latestReadyRevisionName'),
];

/** Knative's Service: owns one Configuration and one Route of its name. */
export const serviceKind = defineKind({
  info: kindInfo('Service', 'services', SERVING_GROUP, 'v1', ['ksvc', 'ksvcs']),
  writable: true,
  statusSubresource: true,
  inCategoryAll: true,
  fields: top(obj({ template, traffic })),
  setDefaults(o, { old, name, config, user }) {
    if (isObj(o.spec)) {
      defaultTemplate(o.spec, old, name, config);
      defaultTraffic(o.spec, true);
    }
    setUserInfo(o, { old, user });
  },
  validate: validateService,
  columns: [COLUMN.url, ...LATEST_COLUMNS, COLUMN.ready, COLUMN.reason],
  owns: ['Configuration', 'Route'],
});
