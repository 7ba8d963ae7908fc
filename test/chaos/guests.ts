import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildTestGuest } from '../../packages/runner/src/testing/components.js';

export { HELLO_WASM, serviceYaml } from '../harness.js';

/**
 * The runner's test guest (packages/runner/src/testing/guest.wat: /loop, /trap, /grow, /echo, /big, …)
 * built into `dir`: the hostile guest of these cases, deployed like any component.
 */
export async function writeTestGuest(dir: string): Promise<string> {
  const file = join(dir, 'hostile.wasm');
  writeFileSync(file, await buildTestGuest());
  return file;
}
