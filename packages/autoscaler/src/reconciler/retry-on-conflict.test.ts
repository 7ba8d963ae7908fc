import { StoreError } from '@kedge/core';
import { describe, expect, it } from 'vitest';
import { retryOnConflict } from './retry-on-conflict.js';

describe('retryOnConflict', () => {
  it('tries a lost race again and returns what the winning attempt wrote', async () => {
    const codes = ['Conflict', 'AlreadyExists', 'NotFound'] as const;
    let calls = 0;
    const out = await retryOnConflict(async () => {
      const code = codes[calls++];
      if (code) throw new StoreError(code, `lost: ${code}`);
      return 'written';
    });
    expect(out).toBe('written');
    expect(calls).toBe(4);
  });

  it('gives up after five retries, and at once on anything that is not a race', async () => {
    let calls = 0;
    await expect(
      retryOnConflict(async () => {
        calls++;
        throw new StoreError('Conflict', 'always');
      }),
    ).rejects.toThrow('always');
    expect(calls).toBe(6);
    calls = 0;
    await expect(
      retryOnConflict(async () => {
        calls++;
        throw new StoreError('Invalid', 'spec.x: bad');
      }),
    ).rejects.toThrow('spec.x: bad');
    expect(calls).toBe(1);
  });
});
