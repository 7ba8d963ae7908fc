import { resolvedRuntime } from './resolved-image.js';
import type { Container, Revision } from './types.js';

/**
 * How a runner runs a revision: a WebAssembly component (`wasm`), a local process (`process`), or an
 * OCI image on a container engine (`container`). Admission, the API's reconciler, the runner's
 * dispatch and the autoscaler's placement all read it through `runtimeKind`, so they agree.
 */
export const RUNTIME_KINDS = ['wasm', 'process', 'container'] as const;
export type RuntimeKind = (typeof RUNTIME_KINDS)[number];

/**
 * Declares the kind explicitly, where the image alone does not say it: `container` with `command`
 * overrides the image's entrypoint (Knative's meaning of `command`) instead of running a process;
 * `wasm` marks a registry reference that holds a WebAssembly component.
 */
export const RUNTIME_ANNOTATION = 'kedge.dev/runtime';

/** `hello.wasm`, `./build/app.wasm`, or the uploaded form `app.wasm@sha256:<hex>`. */
export function isComponentImage(image: string): boolean {
  return /\.wasm(?:@sha256:[0-9a-f]{64})?$/i.test(image);
}

function isRuntimeKind(v: unknown): v is RuntimeKind {
  return (RUNTIME_KINDS as readonly unknown[]).includes(v);
}

/**
 * The kind, in this order: the `kedge.dev/runtime` annotation; a container with `command` is a
 * process (the process-revision gate, docs/security.md); an image that is a component path is wasm;
 * any other image is an OCI image reference, run by a container engine.
 */
export function runtimeKind(
  spec: { containers?: readonly Partial<Container>[] | undefined },
  annotations?: Record<string, string> | undefined,
): RuntimeKind {
  const declared = annotations?.[RUNTIME_ANNOTATION];
  if (isRuntimeKind(declared)) return declared;
  const c = spec.containers?.[0];
  if (Array.isArray(c?.command) && c.command.length > 0) return 'process';
  if (typeof c?.image === 'string' && isComponentImage(c.image)) return 'wasm';
  return 'container';
}

/**
 * The kind of a stored Revision (its annotations come from the template): as runtimeKind, except that a
 * registry image the API resolved runs on the runtime its artifact type asks for (a wasm OCI artifact
 * is a component, anything else a container image).
 */
export function revisionRuntimeKind(rev: Revision): RuntimeKind {
  const kind = runtimeKind(rev.spec, rev.metadata.annotations);
  if (kind !== 'container' || rev.metadata.annotations?.[RUNTIME_ANNOTATION]) return kind;
  return resolvedRuntime(rev) ?? kind;
}
