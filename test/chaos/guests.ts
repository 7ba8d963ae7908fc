import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildTestGuest } from '../../packages/runner/src/testing/components.js';
import { ROOT } from '../harness.js';

export const HELLO_WASM = join(ROOT, 'examples/helloworld/build/helloworld.wasm');

/**
 * The runner's test guest (packages/runner/src/testing/guest.wat: /loop, /trap, /grow, /echo, /big, …)
 * built into `dir`: the hostile guest of these cases, deployed like any component.
 */
export async function writeTestGuest(dir: string): Promise<string> {
  const file = join(dir, 'hostile.wasm');
  writeFileSync(file, await buildTestGuest());
  return file;
}

/** A Service manifest for a component file, with optional template annotations and spec fields. */
export function serviceYaml(
  name: string,
  namespace: string,
  wasm: string,
  opts: { annotations?: Record<string, string>; timeoutSeconds?: number; containerConcurrency?: number } = {},
): string {
  const ann = Object.entries(opts.annotations ?? {})
    .map(([k, v]) => `        ${k}: "${v}"\n`)
    .join('');
  return `apiVersion: serving.knative.dev/v1
kind: Service
metadata:
  name: ${name}
  namespace: ${namespace}
spec:
  template:
${ann ? `    metadata:\n      annotations:\n${ann}` : ''}    spec:
${opts.timeoutSeconds !== undefined ? `      timeoutSeconds: ${opts.timeoutSeconds}\n` : ''}${opts.containerConcurrency !== undefined ? `      containerConcurrency: ${opts.containerConcurrency}\n` : ''}      containers:
        - image: ${wasm}
          env:
            - name: TARGET
              value: "${name}"
`;
}
