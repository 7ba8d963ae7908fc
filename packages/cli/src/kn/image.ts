import { readFile } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { imageWithDigest, isWasmComponent, parseImageDigest } from '@kedge/core';

/**
 * `--image ./hello.wasm` names a local component: it is checked and uploaded, and the revision refers
 * to it as `hello.wasm@sha256:…` (what `kedge apply` does for manifests). Other references pass through.
 */
export async function resolveImage(
  image: string,
  upload: (bytes: Uint8Array) => Promise<{ digest: string }>,
): Promise<string> {
  if (!image.endsWith('.wasm') || parseImageDigest(image)) return image;
  const file = resolve(image);
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(file));
  } catch (err) {
    throw new Error(`--image: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  if (!isWasmComponent(bytes))
    throw new Error(
      `--image: ${file} is not a WebAssembly component (a core module or another file); build it as a wasi:http/proxy component`,
    );
  const { digest } = await upload(bytes);
  return imageWithDigest(basename(file), digest);
}
