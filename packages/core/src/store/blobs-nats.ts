import type { ObjectStore } from '@nats-io/obj';
import type { Logger } from '../logger.js';
import { silentLogger } from '../logger.js';
import { FsBlobStore, sha256Digest } from './blobs-fs.js';
import type { BlobStore } from './store.js';

const DIGEST = /^sha256:[0-9a-f]{64}$/;

/**
 * Component blobs in a JetStream Object Store (object name = digest), with a local directory in
 * front of it: Knative's image cache. A runner fetches a digest once, then instantiates from disk.
 */
export class NatsBlobStore implements BlobStore {
  private readonly cache: FsBlobStore;
  private readonly inflight = new Map<string, Promise<Uint8Array | undefined>>();
  private readonly log: Logger;

  constructor(
    private readonly objects: ObjectStore,
    cacheDir: string,
    opts: { logger?: Logger } = {},
  ) {
    this.cache = new FsBlobStore(cacheDir);
    this.log = opts.logger ?? silentLogger;
  }

  async put(bytes: Uint8Array): Promise<string> {
    const digest = sha256Digest(bytes);
    const info = await this.objects.info(digest);
    if (!info || info.deleted) await this.objects.putBlob({ name: digest }, bytes);
    await this.cache.put(bytes);
    return digest;
  }

  async get(digest: string): Promise<Uint8Array | undefined> {
    checkDigest(digest);
    const local = await this.cache.get(digest);
    if (local) return local;
    // Many instances of one revision cold-starting together fetch the blob once.
    let pending = this.inflight.get(digest);
    if (!pending) {
      pending = this.fetch(digest).finally(() => this.inflight.delete(digest));
      this.inflight.set(digest, pending);
    }
    return pending;
  }

  private async fetch(digest: string): Promise<Uint8Array | undefined> {
    const bytes = await this.objects.getBlob(digest);
    if (!bytes) return undefined;
    const actual = sha256Digest(bytes);
    if (actual !== digest) {
      this.log.error({ digest, actual }, 'blob in the object store does not match its digest');
      throw new Error(`blob ${digest}: content hashes to ${actual}`);
    }
    await this.cache.put(bytes);
    return bytes;
  }

  async has(digest: string): Promise<boolean> {
    checkDigest(digest);
    if (await this.cache.has(digest)) return true;
    const info = await this.objects.info(digest);
    return !!info && !info.deleted;
  }
}

function checkDigest(digest: string): void {
  if (!DIGEST.test(digest)) throw new Error(`not a sha256 digest: ${digest}`);
}
