import { stringify } from 'yaml';
import { formatTable } from '../table.js';
import { COMPONENTS_PATH, NODES_PATH, type ComponentStatus, type NodeStatus } from './cluster-view.js';

/** The words `kedge get` hands to this file instead of looking up a resource kind. */
export const CLUSTER_WORDS: Record<string, 'components' | 'nodes'> = {
  components: 'components',
  component: 'components',
  nodes: 'nodes',
  node: 'nodes',
  no: 'nodes',
};

/** kubectl's AGE: the largest unit or two, e.g. 45s, 3m12s, 5h3m, 2d4h. */
export function age(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${s % 60 ? `${s % 60}s` : ''}`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h${m % 60 ? `${m % 60}m` : ''}`;
  const d = Math.floor(h / 24);
  return `${d}d${h % 24 ? `${h % 24}h` : ''}`;
}

export function componentsTable(items: ComponentStatus[], now: number): string {
  if (items.length === 0) return 'No components found (is any role running and connected to the same NATS?).';
  return formatTable(
    ['ROLE', 'ID', 'NODE', 'READY', 'STATUS', 'RESTARTS', 'AGE', 'VERSION'],
    items.map((c) => [
      c.role,
      c.id,
      c.nodeId,
      c.ready ? '1/1' : '0/1',
      c.status,
      c.restarts,
      age(now - c.startedAt),
      c.version,
    ]),
  );
}

export function nodesTable(items: NodeStatus[], now: number): string {
  if (items.length === 0) return 'No runner nodes found.';
  return formatTable(
    ['NODE', 'STATUS', 'CAPACITY', 'INSTANCES', 'REVISIONS', 'URL', 'AGE', 'VERSION'],
    items.map((n) => [
      n.nodeId,
      n.status,
      n.capacity,
      n.instanceCount,
      Object.values(n.instances).filter((ids) => ids.length > 0).length,
      n.url,
      age(now - n.startedAt),
      n.version,
    ]),
  );
}

/** `kedge get components|nodes`: asks the API process, which follows every heartbeat on the Bus. */
export async function getCluster(apiUrl: string, what: 'components' | 'nodes', output: string): Promise<string> {
  if (!['table', 'json', 'yaml'].includes(output)) throw new Error(`--output: must be one of table, json, yaml`);
  const base = apiUrl.replace(/\/+$/, '');
  let res: Response;
  try {
    res = await fetch(`${base}${what === 'components' ? COMPONENTS_PATH : NODES_PATH}`);
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message;
    throw new Error(
      `cannot reach the Kedge API at ${base} (${cause}); is \`kedge up\` or \`kedge api\` running? (--api / KEDGE_API)`,
    );
  }
  if (!res.ok) throw new Error(`${what}: the API answered ${res.status}: ${(await res.text()).slice(0, 200)}`);
  const body = (await res.json()) as { items: unknown[] };
  if (output === 'json') return JSON.stringify(body, null, 2);
  if (output === 'yaml') return stringify(body).trimEnd();
  const now = Date.now();
  return what === 'components'
    ? componentsTable(body.items as ComponentStatus[], now)
    : nodesTable(body.items as NodeStatus[], now);
}
