import { getCondition, lookupKind, type AnyResource, type Service } from '@kedge/core';
import { resourcePath } from '../client.js';
import { conditionsOf } from './format.js';

/** Kinds with a Ready condition that `kedge apply` waits for (Knative's serving kinds). */
export const WAITABLE_KINDS = new Set(['Service', 'Configuration', 'Route', 'Revision']);

/**
 * Follows an object over the API's watch stream until its status describes the current generation
 * and Ready is True (resolves) or False (rejects with the reason and message), or the timeout passes
 * — what `kn service create` and `kubectl wait --for=condition=Ready` do.
 */
export async function waitForReady<T extends AnyResource>(
  apiUrl: string,
  kind: string,
  ns: string,
  name: string,
  timeoutMs: number,
): Promise<T> {
  const info = lookupKind(kind);
  if (!info) throw new Error(`unknown kind "${kind}"`);
  const what = `${info.singular} '${name}'`;
  const url = `${apiUrl.replace(/\/+$/, '')}${resourcePath(info, ns)}?watch=true&fieldSelector=${encodeURIComponent(`metadata.name=${name}`)}`;
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), timeoutMs);
  try {
    const res = await fetch(url, { signal: abort.signal });
    if (!res.ok || !res.body) throw new Error(`cannot watch ${what}: HTTP ${res.status}`);
    const reader = res.body.getReader();
    const dec = new TextDecoder();
    let buf = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`the watch of ${what} ended before it became ready`);
      buf += dec.decode(value, { stream: true });
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (!line.trim()) continue;
        const ev = JSON.parse(line) as { type: string; object: T };
        if (ev.type === 'DELETED') throw new Error(`${what} was deleted while waiting for it`);
        const obj = ev.object as T & { status?: { observedGeneration?: number } };
        // A Revision's status has no observedGeneration to wait for (its spec never changes).
        if (info.kind !== 'Revision' && obj.status?.observedGeneration !== obj.metadata.generation) continue;
        const ready = getCondition(conditionsOf(obj), 'Ready');
        if (ready?.status === 'True') {
          await reader.cancel().catch(() => undefined);
          return obj;
        }
        if (ready?.status === 'False') {
          await reader.cancel().catch(() => undefined);
          throw new Error(`${what} is not ready: ${ready.reason ?? ''}${ready.message ? `: ${ready.message}` : ''}`);
        }
      }
    }
  } catch (err) {
    if (abort.signal.aborted)
      throw new Error(
        `timeout: ${what} not ready after ${Math.round(timeoutMs / 1000)}s (see \`kubectl describe ${info.singular} ${name} -n ${ns}\`)`,
      );
    throw err;
  } finally {
    clearTimeout(timer);
    abort.abort();
  }
}

export function waitForService(apiUrl: string, ns: string, name: string, timeoutMs: number): Promise<Service> {
  return waitForReady<Service>(apiUrl, 'Service', ns, name, timeoutMs);
}
