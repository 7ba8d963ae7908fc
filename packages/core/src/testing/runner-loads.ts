import { subjects, type RevisionHealth } from '../bus/subjects.js';
import type { Bus } from '../bus/bus.js';
import type { Clock } from '../clock.js';
import type { Store } from '../store/store.js';

/**
 * For tests of the control plane without a runner: reports every Revision as loaded, as a runner
 * does once it has compiled the image (a Revision is not Ready before). Returns the stop.
 */
export function reportRevisionsLoaded(store: Store, bus: Bus, clock: Clock, nodeId = 'test-runner'): () => void {
  const reported = new Set<string>();
  return store.watch({ kind: 'Revision' }, (ev) => {
    const { namespace, name, uid } = ev.object.metadata;
    if (ev.type === 'DELETED' || reported.has(`${namespace}/${name}/${uid}`)) return;
    reported.add(`${namespace}/${name}/${uid}`);
    const msg: RevisionHealth = { namespace, revision: name, nodeId, ready: true, time: clock.now() };
    bus.publish(subjects.revisionHealth(namespace, name), msg);
  });
}
