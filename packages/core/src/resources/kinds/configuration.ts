import { defaultTemplate, setUserInfo } from '../defaulting.js';
import { isObj } from '../validation/errors.js';
import { obj, template, top } from '../validation/fields.js';
import { validateConfiguration } from '../validation/kinds.js';
import { COLUMN, defineKind, kindInfo, SERVING_GROUP } from './definition.js';
import { LATEST_COLUMNS } from './service.js';

/** Knative's Configuration: every change of its template stamps a Revision. */
export const configurationKind = defineKind({
  info: kindInfo('Configuration', 'configurations', SERVING_GROUP, 'v1', ['config', 'cfg']),
  writable: true,
  statusSubresource: true,
  inCategoryAll: true,
  fields: top(obj({ template })),
  setDefaults(o, { old, name, config, user }) {
    if (isObj(o.spec)) defaultTemplate(o.spec, old, name, config);
    setUserInfo(o, { old, user });
  },
  validate: validateConfiguration,
  columns: [...LATEST_COLUMNS, COLUMN.ready, COLUMN.reason],
  owns: ['Revision'],
});
