import { readFileSync } from 'node:fs';

/** What an instance used, for the HPA class: CPU time since it started (ms) and memory held now (bytes). */
export interface InstanceUsage {
  cpuMs: number;
  memoryBytes: number;
}

/** /proc reports CPU in USER_HZ ticks, which Linux fixes at 100 per second for user space. */
const USER_HZ = 100;

/**
 * A process's CPU time (utime + stime, /proc/PID/stat fields 14 and 15) and resident set
 * (VmRSS, /proc/PID/status), as a kubelet's cAdvisor reads a container's; undefined off Linux or
 * once the process is gone.
 */
export function processUsage(pid: number | undefined): InstanceUsage | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count fields after its last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    const rss = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    if (!Number.isFinite(ticks)) return undefined;
    return { cpuMs: (ticks * 1000) / USER_HZ, memoryBytes: rss ? Number(rss[1]) * 1024 : 0 };
  } catch {
    return undefined;
  }
}

/**
 * A WebAssembly replica's usage: the time its guests spent in calls, measured in the worker from
 * entering the guest to its answer (a guest runs on one worker thread, so that is the CPU it held,
 * plus any waits it made inside), and the linear memory each guest had when its last call ended.
 */
export class GuestUsage {
  private callMs = 0;
  private readonly memory = new Map<string, number>();

  /** A call ended after `ms` in the guest; `kib`: the guest's memory then (kept while the guest is). */
  called(guest: string | undefined, ms: number, kib?: number): void {
    this.callMs += ms;
    if (guest !== undefined && kib !== undefined) this.memory.set(guest, kib * 1024);
  }

  dropped(guest: string): void {
    this.memory.delete(guest);
  }

  read(): InstanceUsage {
    let bytes = 0;
    for (const b of this.memory.values()) bytes += b;
    return { cpuMs: this.callMs, memoryBytes: bytes };
  }
}
