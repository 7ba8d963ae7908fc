import { getCondition, type Service } from '@kedge/core';
import { conditionsOf } from './format.js';

/**
 * Follows a Service over the API's watch stream until its status describes the current generation
 * and Ready is True (resolves) or False (rejects with the reason and message), or the timeout passes.
 */
export async function waitForService(apiUrl: string, ns: string, name: string, timeoutMs: number): Promise<Service> {
  const url = `${apiUrl.replace(/\/+$/, '')}/apis/serving.knative.dev/v1/namespaces/${encodeURIComponent(ns)}/services?watch=true&fieldSelector=${encodeURIComponent(`metadata.name=${name}`)}`;
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), timeoutMs);
  try {
    const res = await fetch(url, { signal: abort.signal });
    if (!res.ok || !res.body) throw new Error(`cannot watch service '${name}': HTTP ${res.status}`);
    const reader = res.body.getReader();
    const dec = new TextDecoder();
    let buf = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`the watch of service '${name}' ended before it became ready`);
      buf += dec.decode(value, { stream: true });
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (!line.trim()) continue;
        const ev = JSON.parse(line) as { type: string; object: Service };
        if (ev.type === 'DELETED') throw new Error(`service '${name}' was deleted while waiting for it`);
        const svc = ev.object;
        if (svc.status?.observedGeneration !== svc.metadata.generation) continue;
        const ready = getCondition(conditionsOf(svc), 'Ready');
        if (ready?.status === 'True') {
          await reader.cancel().catch(() => undefined);
          return svc;
        }
        if (ready?.status === 'False') {
          await reader.cancel().catch(() => undefined);
          throw new Error(`service '${name}' is not ready: ${ready.reason ?? ''}${ready.message ? `: ${ready.message}` : ''}`);
        }
      }
    }
  } catch (err) {
    if (abort.signal.aborted)
      throw new Error(`timeout: service '${name}' not ready after ${Math.round(timeoutMs / 1000)}s (see \`kedge service describe ${name} -n ${ns}\`)`);
    throw err;
  } finally {
    clearTimeout(timer);
    abort.abort();
  }
}
