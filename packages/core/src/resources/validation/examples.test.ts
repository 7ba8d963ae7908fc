import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { applyDefaults } from '../defaults.js';
import type { AnyResource } from '../types.js';
import { validateResource } from '../validation.js';

const examples = fileURLToPath(new URL('../../../../../examples/', import.meta.url));
const manifests = existsSync(examples)
  ? readdirSync(examples, { withFileTypes: true })
      .filter((d) => d.isDirectory() && existsSync(`${examples}${d.name}/service.yaml`))
      .map((d) => `${d.name}/service.yaml`)
  : [];

/** Knative's own helloworld-go sample, as users copy it from the Knative docs. */
const KNATIVE_HELLOWORLD = `
apiVersion: serving.knative.dev/v1
kind: Service
metadata:
  name: helloworld-go
  namespace: default
spec:
  template:
    spec:
      containers:
        - image: gcr.io/knative-samples/helloworld-go
          ports:
            - containerPort: 8080
          env:
            - name: TARGET
              value: "Go Sample v1"
`;

function docs(text: string): AnyResource[] {
  return parseAllDocuments(text)
    .map((d) => d.toJS() as AnyResource)
    .filter(Boolean);
}

describe('real manifests apply unchanged', () => {
  // examples/helloworld-node is a process revision: it needs the operator's config-features gate.
  const ctx = { features: { processRevisions: true } };
  it.each(manifests)('examples/%s', (file) => {
    for (const obj of docs(readFileSync(`${examples}${file}`, 'utf8'))) {
      expect(validateResource(applyDefaults(obj), ctx)?.message).toBeUndefined();
      // After upload the image is pinned to a digest; that form is valid too.
      const pinned = structuredClone(obj) as any;
      for (const c of pinned.spec.template.spec.containers)
        if (String(c.image).endsWith('.wasm')) c.image = `${c.image}@sha256:${'f'.repeat(64)}`;
      expect(validateResource(applyDefaults(pinned), ctx)?.message).toBeUndefined();
    }
  });

  it("Knative's helloworld-go", () => {
    const [obj] = docs(KNATIVE_HELLOWORLD);
    expect(validateResource(applyDefaults(obj!))?.message).toBeUndefined();
  });

  it('found the examples', () => {
    expect(manifests.length).toBeGreaterThan(0);
  });
});
