import {
  parseImageReference,
  RegistryError,
  resolveImage,
  type Clock,
  type Logger,
  type RegistryClient,
  type RegistryErrorReason,
  type ResolvedImageStatus,
  type Store,
} from '@kedge/core';

/** Where one revision's image resolution stands. */
export type Resolution =
  | { state: 'resolving' }
  | { state: 'failed'; reason: RegistryErrorReason; message: string; retryInMs: number }
  | { state: 'resolved'; imageDigest: string; resolvedImage: ResolvedImageStatus };

export interface ImageResolverDeps {
  store: Store;
  registry: RegistryClient;
  clock: Clock;
  logger: Logger;
  /** Called when a resolution finished either way: the revision is reconciled again. */
  settled: (key: string) => void;
  /** Largest component pulled from a registry (default 64 MiB, what `kedge apply` may upload). */
  maxComponentBytes?: number;
}

const FIRST_RETRY_MS = 5_000;
const MAX_RETRY_MS = 5 * 60_000;
const MAX_COMPONENT_BYTES = 64 * 1024 * 1024;

interface Entry {
  image: string;
  outcome: Resolution;
  failures: number;
  retryAt: number;
}

/**
 * Knative's tag-to-digest resolution, off the reconciler's worker: a registry image is resolved once
 * per revision (a GET of the manifest); a wasm artifact's component layer is pulled, checked against
 * its digest and put in the Store's blobs, where runners load components from. Failures are retried
 * with backoff (5 s doubling to 5 min) while the revision exists.
 */
export class ImageResolver {
  private readonly entries = new Map<string, Entry>();
  private inFlight = 0;

  constructor(private readonly deps: ImageResolverDeps) {}

  /** Nothing being fetched (the API's idle() waits for this too). */
  get idle(): boolean {
    return this.inFlight === 0;
  }

  /** Where `key`'s resolution stands; starts it (again, once its backoff passed) when nothing is under way. */
  lookup(key: string, image: string): Resolution {
    let e = this.entries.get(key);
    if (e && e.image !== image) e = undefined;
    const now = this.deps.clock.now();
    if (e && (e.outcome.state !== 'failed' || now < e.retryAt)) {
      if (e.outcome.state === 'failed') return { ...e.outcome, retryInMs: e.retryAt - now };
      return e.outcome;
    }
    const entry: Entry = { image, outcome: { state: 'resolving' }, failures: e?.failures ?? 0, retryAt: 0 };
    this.entries.set(key, entry);
    this.inFlight++;
    void this.resolve(image).then(
      (outcome) => this.settle(key, entry, outcome),
      (err: unknown) => {
        const reason = err instanceof RegistryError ? err.reason : 'RegistryError';
        const message = err instanceof Error ? err.message : String(err);
        entry.failures++;
        const retryInMs = Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** (entry.failures - 1));
        entry.retryAt = this.deps.clock.now() + retryInMs;
        this.deps.logger.warn({ revision: key, image, reason }, message);
        this.settle(key, entry, { state: 'failed', reason, message, retryInMs });
      },
    );
    return entry.outcome;
  }

  /** The revision is gone, or its resolution is recorded in its status. */
  forget(key: string): void {
    this.entries.delete(key);
  }

  private settle(key: string, entry: Entry, outcome: Resolution): void {
    this.inFlight--;
    if (this.entries.get(key) !== entry) return;
    entry.outcome = outcome;
    this.deps.settled(key);
  }

  private async resolve(image: string): Promise<Resolution> {
    const ref = parseImageReference(image);
    if (!ref) throw new RegistryError('ImageInvalid', `"${image}" names no registry`);
    const resolved = await resolveImage(this.deps.registry, ref);
    const status: ResolvedImageStatus = { artifactType: resolved.artifactType };
    if (resolved.component) {
      const layer = resolved.component;
      if (!(await this.deps.store.blobs.has(layer.digest))) {
        const bytes = await this.deps.registry.blob(ref, layer, this.deps.maxComponentBytes ?? MAX_COMPONENT_BYTES);
        const stored = await this.deps.store.blobs.put(bytes);
        if (stored !== layer.digest)
          throw new RegistryError(
            'ImageInvalid',
            `${resolved.imageDigest}: stored component ${stored} is not ${layer.digest}`,
          );
      }
      status.component = layer.digest;
    }
    return { state: 'resolved', imageDigest: resolved.imageDigest, resolvedImage: status };
  }
}
