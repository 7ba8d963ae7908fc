import { getRandomValues } from 'node:crypto';

function randomBytes(len: bigint): Uint8Array {
  const out = new Uint8Array(Number(len));
  // getRandomValues fills at most 64 KiB per call.
  for (let i = 0; i < out.length; i += 65536) getRandomValues(out.subarray(i, Math.min(out.length, i + 65536)));
  return out;
}

function randomU64(): bigint {
  return new BigUint64Array(getRandomValues(new BigUint64Array(1)).buffer)[0]!;
}

export const randomImports = {
  'wasi:random/random': { getRandomBytes: randomBytes, getRandomU64: randomU64 },
  'wasi:random/insecure': { getInsecureRandomBytes: randomBytes, getInsecureRandomU64: randomU64 },
  'wasi:random/insecure-seed': { insecureSeed: (): [bigint, bigint] => [randomU64(), randomU64()] },
};
