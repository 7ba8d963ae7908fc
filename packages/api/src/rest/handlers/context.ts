import { StoreError, type AnyResource, type Clock, type Kind, type KindInfo, type Store } from '@kedge/core';
import type { LiveConfig } from '../../config/live.js';
import { fromStoreError } from '../status.js';

/** One resource URL, parsed: the kind, and the namespace, name and subresource where the URL has them. */
export interface Target {
  kind: Kind;
  info: KindInfo;
  namespace?: string;
  name?: string;
  subresource?: string;
}

/** What every verb's handler reads: the Store, the clock, the live config and the open watches. */
export interface HandlerContext {
  store: Store;
  clock: Clock;
  config: LiveConfig;
  /** Stops of the watch streams now open. */
  watches?: Set<() => void>;
  /** The random tail of a generateName. */
  suffix: () => string;
}

/** An update's outcome: the admitted object, its admission warnings, and what the Store now holds. */
export interface Written {
  object: AnyResource;
  warnings: string[];
  stored: AnyResource;
}

/** One verb on one resource URL. */
export type VerbHandler = (req: Request, t: Target, q: URLSearchParams) => Promise<Response>;

export const json = (body: unknown, status = 200, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });

/** A Store's error becomes the apiserver's Status for the object named. */
export function withStoreErrors<T>(t: Target, name: string, p: Promise<T>): Promise<T> {
  return p.catch((err: unknown) => {
    if (err instanceof StoreError) throw fromStoreError(err, t.info, name);
    throw err;
  });
}
