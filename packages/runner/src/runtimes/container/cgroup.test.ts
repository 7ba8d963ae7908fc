import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { cgroupUsage, findCgroup, lazyCgroupUsage } from './cgroup.js';

describe('a process cgroup counters', () => {
  let dir: string;
  const put = async (path: string, text: string) => {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), text);
  };
  const find = () => findCgroup(42, join(dir, 'sys'), join(dir, 'proc'));

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kedge-cgroup-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it("reads cgroup v1's cpuacct (co-mounted with cpu) and memory, less inactive page cache", async () => {
    const c = '/libpod_parent/libpod-abc';
    await put('proc/42/cgroup', `4:memory:${c}\n2:cpu,cpuacct:${c}\n0::${c}\n`);
    await put(`sys/cpu,cpuacct${c}/cpuacct.usage`, '44139862\n');
    await put(`sys/memory${c}/memory.usage_in_bytes`, '5890048\n');
    await put(`sys/memory${c}/memory.stat`, 'cache 1\ninactive_file 9\ntotal_inactive_file 4460544\n');
    expect(cgroupUsage(find()!)).toEqual({ cpuMs: 44.139862, memoryBytes: 5890048 - 4460544 });
  });

  it('reads the v2 unified hierarchy where no v1 controllers are', async () => {
    await put('proc/42/cgroup', '0::/system.slice/c1\n');
    await put('sys/system.slice/c1/cpu.stat', 'usage_usec 2500\nuser_usec 2000\n');
    await put('sys/system.slice/c1/memory.current', '8192\n');
    await put('sys/system.slice/c1/memory.stat', 'anon 4096\ninactive_file 4096\n');
    expect(cgroupUsage(find()!)).toEqual({ cpuMs: 2.5, memoryBytes: 4096 });
  });

  it('is undefined for a process that is gone, and once its cgroup is removed', async () => {
    expect(find()).toBeUndefined();
    await put('proc/42/cgroup', '0::/gone\n');
    await put('sys/gone/memory.current', '1\n');
    const files = find()!;
    await rm(join(dir, 'sys/gone'), { recursive: true });
    expect(cgroupUsage(files)).toBeUndefined();
  });

  it("finds this test process's own cgroup on this host and reads CPU it has used", () => {
    const files = findCgroup(process.pid);
    expect(files).toBeDefined();
    expect(cgroupUsage(files!)!.cpuMs).toBeGreaterThan(0);
  });

  it('a lazy reader asks for the pid once, at its first read (not at start), then reads that cgroup', async () => {
    let asked = 0;
    const read = lazyCgroupUsage(async () => {
      asked++;
      return process.pid;
    });
    expect(asked).toBe(0);
    expect(read()).toBeUndefined();
    await expect.poll(() => read()?.cpuMs).toBeGreaterThan(0);
    expect(asked).toBe(1);
  });
});
