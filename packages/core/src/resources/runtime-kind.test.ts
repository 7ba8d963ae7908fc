import { describe, expect, it } from 'vitest';

import { applyDefaults } from './defaults.js';
import { validateResource } from './validation.js';
import { RUNTIME_ANNOTATION, runtimeKind, type RuntimeKind } from './runtime-kind.js';
import type { Container } from './types.js';

const hex = 'a'.repeat(64);

describe('runtimeKind', () => {
  it.each([
    [{ image: 'hello.wasm' }, 'wasm'],
    [{ image: './build/app.WASM' }, 'wasm'],
    [{ image: `hello.wasm@sha256:${hex}` }, 'wasm'],
    [{ image: 'node:20', command: ['node', 'server.mjs'] }, 'process'],
    [{ image: 'gcr.io/knative-samples/helloworld-go' }, 'container'],
    [{ image: 'localhost/helloworld-go:latest' }, 'container'],
    [{ image: `gcr.io/knative-samples/helloworld-go@sha256:${hex}` }, 'container'],
    [{ image: `busybox@sha256:${hex}` }, 'container'],
  ] as [Partial<Container>, RuntimeKind][])('%j → %s', (container, kind) => {
    expect(runtimeKind({ containers: [container] })).toBe(kind);
  });

  it('the annotation declares the kind the image cannot say', () => {
    const containers = [{ image: 'localhost/app', command: ['/app', '--serve'] }];
    expect(runtimeKind({ containers })).toBe('process');
    expect(runtimeKind({ containers }, { [RUNTIME_ANNOTATION]: 'container' })).toBe('container');
    expect(runtimeKind({ containers: [{ image: '127.0.0.1:5000/hello:v1' }] }, { [RUNTIME_ANNOTATION]: 'wasm' })).toBe(
      'wasm',
    );
    // Admission refuses other values; a stored one that slipped through falls back to the image.
    expect(runtimeKind({ containers: [{ image: 'a.wasm' }] }, { [RUNTIME_ANNOTATION]: 'vm' })).toBe('wasm');
  });
});

describe('admission of kedge.dev/runtime', () => {
  const svc = (annotations: Record<string, string>, container: Record<string, unknown>) => ({
    apiVersion: 'serving.knative.dev/v1',
    kind: 'Service',
    metadata: { name: 's', namespace: 'default' },
    spec: { template: { metadata: { annotations }, spec: { containers: [container] } } },
  });
  const messages = (o: unknown) =>
    (validateResource(applyDefaults(o as never))?.problems ?? []).map((p) => `${p.path}: ${p.message}`);

  it('a container with command is an entrypoint override, not a gated process, when declared container', () => {
    expect(messages(svc({ [RUNTIME_ANNOTATION]: 'container' }, { image: 'localhost/app', command: ['/app'] }))).toEqual(
      [],
    );
    expect(messages(svc({}, { image: 'localhost/app', command: ['/app'] })).join('\n')).toMatch(
      /spec\.template\.spec\.containers\[0\]\.command: process revisions are disabled.*kedge\.dev\/runtime: container/,
    );
  });

  it('names the field of a bad value', () => {
    expect(messages(svc({ [RUNTIME_ANNOTATION]: 'vm' }, { image: 'a.wasm' })).join('\n')).toMatch(
      /spec\.template\.metadata\.annotations\.kedge\.dev\/runtime.*must be one of wasm, process, container/,
    );
  });
});
