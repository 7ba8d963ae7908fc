import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import type { InstanceUsage } from '../usage.js';

/** The counter files of one cgroup, as cAdvisor reads a container's for the kubelet. */
interface CgroupFiles {
  /** cgroup v1 `cpuacct.usage` (ns), or v2 `cpu.stat` (its `usage_usec`). */
  cpu: string;
  cpuIn: 'ns' | 'usec';
  /** v1 `memory.usage_in_bytes` or v2 `memory.current`, and the `memory.stat` beside it. */
  memory: string;
  memoryStat: string;
  /** memory.stat's key for page cache that can be dropped: v1 `total_inactive_file`, v2 `inactive_file`. */
  inactiveKey: string;
}

/**
 * Finds a process's cgroup counters from /proc/PID/cgroup: the v1 `cpuacct` and `memory`
 * hierarchies where the host mounts them (hybrid hosts keep v2 at `unified` without controllers),
 * else the v2 unified one. Undefined when the process is gone or nothing there counts.
 */
export function findCgroup(pid: number, root = '/sys/fs/cgroup', proc = '/proc'): CgroupFiles | undefined {
  let lines: string[];
  try {
    lines = readFileSync(join(proc, String(pid), 'cgroup'), 'utf8')
      .trim()
      .split('\n');
  } catch {
    return undefined;
  }
  const v1 = new Map<string, { dir: string; path: string }>();
  let v2: string | undefined;
  for (const line of lines) {
    const [, controllers = '', path = ''] = /^\d+:([^:]*):(.*)$/.exec(line) ?? [];
    if (controllers === '') v2 = path;
    // A hierarchy may co-mount controllers (`cpu,cpuacct`); its directory carries the joined name.
    for (const c of controllers.split(',')) v1.set(c, { dir: controllers, path });
  }
  const cpuacct = v1.get('cpuacct');
  const memory = v1.get('memory');
  if (cpuacct && memory) {
    const cpuDir = [cpuacct.dir, 'cpuacct'].map((d) => join(root, d, cpuacct.path)).find(existsSync);
    const memDir = [memory.dir, 'memory'].map((d) => join(root, d, memory.path)).find(existsSync);
    if (cpuDir && memDir)
      return {
        cpu: join(cpuDir, 'cpuacct.usage'),
        cpuIn: 'ns',
        memory: join(memDir, 'memory.usage_in_bytes'),
        memoryStat: join(memDir, 'memory.stat'),
        inactiveKey: 'total_inactive_file',
      };
  }
  if (v2 === undefined) return undefined;
  const dir = join(root, v2);
  if (!existsSync(join(dir, 'memory.current'))) return undefined;
  return {
    cpu: join(dir, 'cpu.stat'),
    cpuIn: 'usec',
    memory: join(dir, 'memory.current'),
    memoryStat: join(dir, 'memory.stat'),
    inactiveKey: 'inactive_file',
  };
}

/**
 * The cgroup's CPU time and working set (usage less inactive page cache: what the kubelet reports
 * and the HPA's memory metric reads); undefined once the cgroup is gone.
 */
export function cgroupUsage(files: CgroupFiles): InstanceUsage | undefined {
  try {
    const cpuText = readFileSync(files.cpu, 'utf8');
    const cpuMs =
      files.cpuIn === 'ns' ? Number(cpuText.trim()) / 1e6 : Number(/^usage_usec (\d+)$/m.exec(cpuText)?.[1]) / 1e3;
    const usage = Number(readFileSync(files.memory, 'utf8').trim());
    const stat = readFileSync(files.memoryStat, 'utf8');
    const inactive = Number(new RegExp(`^${files.inactiveKey} (\\d+)$`, 'm').exec(stat)?.[1] ?? 0);
    if (!Number.isFinite(cpuMs) || !Number.isFinite(usage)) return undefined;
    return { cpuMs, memoryBytes: Math.max(0, usage - inactive) };
  } catch {
    return undefined;
  }
}

/**
 * A container's usage reader. Its cgroup is looked up at the first read, not at start: finding it
 * (`pid`: `podman inspect`) costs a process, which a cold start's first request should not share the
 * CPU with. Reads before the lookup settles report nothing.
 */
export function lazyCgroupUsage(pid: () => Promise<number | undefined>): () => InstanceUsage | undefined {
  let files: CgroupFiles | undefined;
  let asked = false;
  return () => {
    if (!asked) {
      asked = true;
      void pid().then((p) => (files = p === undefined ? undefined : findCgroup(p)));
    }
    return files && cgroupUsage(files);
  };
}
