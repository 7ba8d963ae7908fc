import { StoreError } from '@kedge/core';

const RACES = new Set(['Conflict', 'AlreadyExists', 'NotFound']);

/**
 * Knative's retry.RetryOnConflict for a read-modify-write: `attempt` reads the object afresh each
 * time, so a write that lost a race (another writer, a create racing a create, a delete racing an
 * update) is tried again on what is stored now; anything else, or a sixth loss, is the caller's.
 */
export async function retryOnConflict<T>(attempt: () => Promise<T>, retries = 5): Promise<T> {
  for (let n = 0; ; n++) {
    try {
      return await attempt();
    } catch (err) {
      if (err instanceof StoreError && RACES.has(err.code) && n < retries) continue;
      throw err;
    }
  }
}
