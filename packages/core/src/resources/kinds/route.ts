import { defaultTraffic, setUserInfo } from '../defaulting.js';
import { isObj } from '../validation/errors.js';
import { obj, top, traffic } from '../validation/fields.js';
import { validateRoute } from '../validation/kinds.js';
import { COLUMN, defineKind, kindInfo, SERVING_GROUP } from './definition.js';

/** Knative's Route: host → weighted revisions. */
export const routeKind = defineKind({
  info: kindInfo('Route', 'routes', SERVING_GROUP, 'v1', ['rt']),
  writable: true,
  statusSubresource: true,
  inCategoryAll: true,
  fields: top(obj({ traffic })),
  setDefaults(o, { old, user }) {
    if (isObj(o.spec)) defaultTraffic(o.spec, false);
    setUserInfo(o, { old, user });
  },
  validate: validateRoute,
  columns: [COLUMN.url, COLUMN.ready, COLUMN.reason],
  owns: [],
});
