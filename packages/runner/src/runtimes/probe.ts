import { connect } from 'node:net';

import type { Probe } from '@kedge/core';

export interface ReadinessOptions {
  probe: Probe | undefined;
  /** Host port the serving port is reachable on. */
  port: number;
  /** A probe's port as the app sees it, mapped to the host port to probe (the identity for processes). */
  mapPort?: (port: number) => number;
  timeoutMs: number;
  /** Between probes, ms (Knative's aggressive probing: 50 ms for processes). */
  intervalMs: number;
  /** Why the instance is gone, when it is. */
  exited: () => string | undefined;
  /**
   * A TCP probe through a port forwarder connects before the app listens (the forwarder accepts):
   * then the probe asks for an HTTP answer of any status on the port instead of a bare connect.
   */
  forwarded?: boolean;
}

/** Knative's aggressive probing (period 0): probe until ready, the instance is gone, or the time is up. */
export async function waitReady(o: ReadinessOptions): Promise<void> {
  const deadline = Date.now() + o.timeoutMs;
  let last = 'not probed yet';
  for (;;) {
    const why = o.exited();
    if (why) throw new Error(`exited (${why}) before it became ready`);
    try {
      await probeOnce(o.probe, o.port, o.mapPort ?? ((p) => p), o.forwarded ?? false);
      return;
    } catch (err) {
      last = (err as Error).message;
    }
    if (Date.now() > deadline) throw new Error(`was not ready after ${o.timeoutMs} ms (last probe: ${last})`);
    await new Promise((r) => setTimeout(r, o.intervalMs));
  }
}

/** Knative's defaulted probes carry port 0 (or a named port): both mean the serving port. */
function probePort(p: number | string | undefined, port: number, map: (port: number) => number): number {
  return typeof p === 'number' && p > 0 ? map(p) : port;
}

const PROBE_HEADERS = { 'user-agent': 'kube-probe/kedge', 'k-kubelet-probe': 'queue' };

async function probeOnce(
  probe: Probe | undefined,
  port: number,
  map: (port: number) => number,
  forwarded: boolean,
): Promise<void> {
  if (probe?.httpGet) {
    const h = probe.httpGet;
    const headers: Record<string, string> = { ...PROBE_HEADERS };
    for (const x of h.httpHeaders ?? []) headers[x.name] = x.value;
    const url = `http://127.0.0.1:${probePort(h.port, port, map)}${h.path ?? '/'}`;
    const res = await fetch(url, { headers, signal: AbortSignal.timeout(1000) });
    await res.arrayBuffer();
    if (res.status < 200 || res.status >= 400) throw new Error(`GET ${h.path ?? '/'} answered ${res.status}`);
    return;
  }
  const target = probePort(probe?.tcpSocket?.port, port, map);
  if (forwarded) {
    try {
      const res = await fetch(`http://127.0.0.1:${target}/`, {
        headers: PROBE_HEADERS,
        signal: AbortSignal.timeout(1000),
      });
      await res.arrayBuffer();
      return;
    } catch (err) {
      throw new Error(`TCP ${target}: no answer through the port forwarder (${(err as Error).message})`);
    }
  }
  await new Promise<void>((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port: target });
    const t = setTimeout(() => {
      s.destroy();
      reject(new Error(`TCP ${target}: timeout`));
    }, 100);
    s.once('connect', () => {
      clearTimeout(t);
      s.end();
      resolve();
    });
    s.once('error', (err) => {
      clearTimeout(t);
      reject(new Error(`TCP ${target}: ${err.message}`));
    });
  });
}
