import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { GuestUsage, processUsage } from './usage.js';

describe('processUsage', () => {
  it("reads a busy process's CPU time growing and its resident memory from /proc", async () => {
    const child = spawn(
      process.execPath,
      ['-e', 'const a = Buffer.alloc(64 << 20, 1); let x = 0; for (;;) x += a[x % a.length];'],
      {
        stdio: 'ignore',
      },
    );
    try {
      await once(child, 'spawn');
      const first = processUsage(child.pid);
      expect(first).toBeDefined();
      // Wait (by polling /proc, the thing under test) until it has burned a measurable 200 ms of CPU.
      let now = first!;
      while (now.cpuMs - first!.cpuMs < 200) {
        await new Promise((r) => setTimeout(r, 50));
        now = processUsage(child.pid) ?? now;
      }
      expect(now.cpuMs).toBeGreaterThan(first!.cpuMs);
      expect(now.memoryBytes).toBeGreaterThan(64 << 20);
    } finally {
      child.kill('SIGKILL');
      await once(child, 'exit');
    }
    expect(processUsage(child.pid)).toBeUndefined();
    expect(processUsage(undefined)).toBeUndefined();
  });
});

describe('GuestUsage', () => {
  it('adds up call time and the last memory of each guest still held', () => {
    const u = new GuestUsage();
    u.called('g1', 20, 64);
    u.called('g2', 5, 128);
    u.called('g1', 10, 192);
    // A guest dropped after its one request: its time counts, its memory is gone with it.
    u.called(undefined, 7, 512);
    expect(u.read().cpuMs).toBe(42);
    expect(u.read().memoryBytes).toBe((192 + 128) * 1024);
    u.dropped('g2');
    expect(u.read().memoryBytes).toBe(196608);
  });
});
