import { getCondition, resourceKey, type DomainMapping } from '@kedge/core';
import { normalizeHost } from './hosts.js';

/** One mapped domain: the Route whose traffic it serves, and the Secret that holds its certificate. */
export interface DomainEntry {
  domain: string;
  namespace: string;
  /** The Route serving it: the ref'd Route, or the ref'd Service's Route (of the same name). */
  route: string;
  secretName?: string;
}

/**
 * Domain → DomainEntry, from DomainMappings the API resolved: only a mapping that holds its domain
 * (DomainClaimed) and whose ref resolved to an Addressable of its namespace (ReferenceResolved) is
 * served, as Knative only programs the ingress for those.
 */
export class DomainTable {
  private readonly byDomain = new Map<string, DomainEntry>();
  /** `ns/name` of a mapping → the domain it put in the table. */
  private readonly owned = new Map<string, string>();

  upsert(dm: DomainMapping): void {
    const key = resourceKey(dm.metadata.namespace, dm.metadata.name);
    const conditions = dm.status?.conditions;
    const serves =
      getCondition(conditions, 'DomainClaimed')?.status === 'True' &&
      getCondition(conditions, 'ReferenceResolved')?.status === 'True';
    if (!serves) {
      this.remove(dm);
      return;
    }
    const domain = normalizeHost(dm.metadata.name);
    const entry: DomainEntry = { domain, namespace: dm.metadata.namespace, route: dm.spec.ref.name };
    if (dm.spec.tls?.secretName) entry.secretName = dm.spec.tls.secretName;
    this.byDomain.set(domain, entry);
    this.owned.set(key, domain);
  }

  remove(dm: DomainMapping): void {
    const key = resourceKey(dm.metadata.namespace, dm.metadata.name);
    const domain = this.owned.get(key);
    if (domain === undefined) return;
    this.owned.delete(key);
    if (this.byDomain.get(domain)?.namespace === dm.metadata.namespace) this.byDomain.delete(domain);
  }

  lookup(host: string | null | undefined): DomainEntry | undefined {
    return this.byDomain.get(normalizeHost(host));
  }

  domains(): string[] {
    return [...this.byDomain.keys()];
  }
}
