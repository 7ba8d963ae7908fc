import { randomBytes } from 'node:crypto';
import { KINDS, type Clock, type Kind, type KindInfo, type Logger, type Store } from '@kedge/core';
import type { LiveConfig } from '../config/live.js';
import { isNamespaceName, isObjectName } from './admit.js';
import type { HandlerContext, Target } from './handlers/context.js';
import { createCreate } from './handlers/create.js';
import { createDelete } from './handlers/delete.js';
import { createGet, createList } from './handlers/get.js';
import { createPatch } from './handlers/patch.js';
import { createReplace } from './handlers/update.js';
import { ApiError, badRequest } from './status.js';

export type { Target } from './handlers/context.js';

export interface ResourceDeps {
  store: Store;
  clock: Clock;
  logger: Logger;
  config: LiveConfig;
  /** Stops of the watch streams now open. */
  watches?: Set<() => void>;
}

/**
 * Names in the URL are checked before any Store sees them: a key the Store cannot hold (`../x`,
 * `hé`) is the client's mistake (400), on every Store, for every verb.
 */
function checkUrlNames(t: Target): void {
  if (t.namespace !== undefined && !isNamespaceName(t.namespace))
    throw badRequest(
      `invalid namespace "${t.namespace}": ` +
        "must be a DNS-1123 label (lower case alphanumerics and '-', at most 63)",
      [{ field: 'metadata.namespace', message: 'must be a DNS-1123 label' }],
    );
  if (t.name !== undefined && !isObjectName(t.name))
    throw badRequest(
      `invalid name "${t.name}": must be a DNS-1123 subdomain (lower case alphanumerics, '-' and '.', at most 253)`,
      [{ field: 'metadata.name', message: 'must be a DNS-1123 subdomain' }],
    );
}

export function kindFor(group: string, version: string, plural: string): [Kind, KindInfo] | undefined {
  for (const [k, info] of Object.entries(KINDS) as [Kind, KindInfo][])
    if (info.group === group && info.version === version && info.plural === plural) return [k, info];
  return undefined;
}

/** The random tail of a generateName: five lower-case alphanumerics. */
function generateNameSuffix(): string {
  return randomBytes(4)
    .toString('hex')
    .replace(/[^a-z0-9]/g, '')
    .slice(0, 5)
    .padEnd(5, 'x');
}

/**
 * The one handler behind every resource URL: the same verbs and semantics for every kind. Each verb
 * is its own handler (handlers/), as the apiserver's registry splits get/list, create, update, patch,
 * delete and watch; this picks one by method and by whether the URL names an object.
 */
export function createResourceHandler(deps: ResourceDeps) {
  const ctx: HandlerContext = {
    store: deps.store,
    clock: deps.clock,
    config: deps.config,
    ...(deps.watches ? { watches: deps.watches } : {}),
    suffix: generateNameSuffix,
  };
  const list = createList(ctx);
  const get = createGet(ctx);
  const create = createCreate(ctx);
  const replace = createReplace(ctx);
  const patch = createPatch(ctx);
  const remove = createDelete(ctx);

  return async function handle(req: Request, t: Target): Promise<Response> {
    checkUrlNames(t);
    const q = new URL(req.url).searchParams;
    const hasName = t.name !== undefined;
    if (t.subresource && t.subresource !== 'status')
      throw new ApiError('NotFound', `unknown subresource "${t.subresource}"`);
    switch (req.method) {
      case 'GET':
        if (!hasName) return list(req, t, q);
        return get(req, t, q);
      case 'POST':
        if (hasName || !t.namespace) break;
        return create(req, t, q);
      case 'PUT':
        if (!hasName) break;
        return replace(req, t, q);
      case 'PATCH':
        if (!hasName) break;
        return patch(req, t, q);
      case 'DELETE':
        if (!hasName) break;
        return remove(req, t, q);
    }
    throw new ApiError('MethodNotAllowed', `${req.method} is not allowed on ${new URL(req.url).pathname}`);
  };
}
