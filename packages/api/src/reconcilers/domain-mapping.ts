import {
  KINDS,
  SECRET_TYPE_TLS,
  secretValue,
  TLS_CERT_KEY,
  TLS_PRIVATE_KEY_KEY,
  tlsPairProblems,
  type AnyResource,
  type DomainMapping,
  type DomainMappingStatus,
  type Route,
  type Secret,
  type Store,
} from '@kedge/core';
import type { ControllerRegistration, KeysFor } from './registration.js';
import { Conditions, isControlledBy, writeStatus } from './util.js';

export interface DomainMappingReconcilerDeps {
  store: Store;
  now: () => string;
}

const CONDITIONS = ['DomainClaimed', 'ReferenceResolved', 'IngressReady', 'CertificateProvisioned'];
const SERVING_V1 = 'serving.knative.dev/v1';
const CLUSTER_SUFFIX = '.svc.cluster.local';
/** Knative's messages (pkg/apis/serving/v1beta1/domainmapping_lifecycle.go). */
const TLS_PROVIDED = 'TLS certificate was provided externally';
const TLS_NOT_ENABLED = 'autoTLS is not enabled';

type Problem = { reason: string; message: string };

/**
 * Knative's DomainMapping reconciler (pkg/reconciler/domainmapping/reconciler.go), with Kedge's
 * gateway as the ingress: claim the domain (the oldest mapping of a name wins), check the TLS
 * Secret, resolve `spec.ref` to an Addressable Service or Route of the namespace, and report
 * IngressReady once the target Route has traffic the gateway can serve under the domain.
 */
export function createDomainMappingReconciler(deps: DomainMappingReconcilerDeps) {
  const { store } = deps;

  /** The namespace holding the domain: its mapping was created first (Kedge's ClusterDomainClaim). */
  async function claimant(name: string): Promise<DomainMapping | undefined> {
    const { items } = await store.list<DomainMapping>('DomainMapping');
    const same = items.filter((d) => d.metadata.name === name);
    const key = (d: DomainMapping) => `${d.metadata.creationTimestamp ?? ''}\u0000${d.metadata.namespace}`;
    return same.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0))[0];
  }

  async function certificateProblem(dm: DomainMapping): Promise<Problem | undefined> {
    const secretName = dm.spec.tls!.secretName;
    const secret = await store.get<Secret>('Secret', dm.metadata.namespace, secretName);
    if (!secret)
      return {
        reason: 'SecretMissing',
        message: `Secret "${secretName}" not found in namespace "${dm.metadata.namespace}".`,
      };
    if (secret.type !== SECRET_TYPE_TLS)
      return {
        reason: 'SecretInvalid',
        message: `Secret "${secretName}" is of type "${secret.type ?? 'Opaque'}", not ${SECRET_TYPE_TLS}.`,
      };
    const cert = secretValue(secret, TLS_CERT_KEY);
    const key = secretValue(secret, TLS_PRIVATE_KEY_KEY);
    if (!cert || !key)
      return {
        reason: 'SecretInvalid',
        message: `Secret "${secretName}" lacks ${TLS_CERT_KEY} or ${TLS_PRIVATE_KEY_KEY}.`,
      };
    const p = tlsPairProblems(cert, key);
    if (p.cert || p.key)
      return {
        reason: 'CertificateInvalid',
        message: `Secret "${secretName}": ${p.cert ? `${TLS_CERT_KEY}: ${p.cert}` : `${TLS_PRIVATE_KEY_KEY}: ${p.key}`}`,
      };
    return undefined;
  }

  /** URIFromKReference plus the reconciler's host checks: the resolved Addressable's host. */
  async function resolve(dm: DomainMapping): Promise<{ target?: AnyResource; problem?: Problem }> {
    const ref = dm.spec.ref;
    const ns = ref.namespace || dm.metadata.namespace;
    const fail = (message: string) => ({ problem: { reason: 'ResolveFailed', message } });
    if (ref.apiVersion !== SERVING_V1 || (ref.kind !== 'Service' && ref.kind !== 'Route'))
      return fail(
        `${ref.kind} (${ref.apiVersion}) is not an Addressable Kedge serves: use a Service or Route of ${SERVING_V1}`,
      );
    const info = KINDS[ref.kind];
    const target = await store.get(ref.kind, ns, ref.name);
    if (!target)
      return fail(`failed to get object ${ns}/${ref.name}: ${info.plural}.${info.group} "${ref.name}" not found`);
    const url = (target as Route).status?.address?.url;
    if (!url)
      return {
        target,
        problem: { reason: 'ResolveFailed', message: `address not set for ${ref.kind} ${ns}/${ref.name}` },
      };
    let host: string;
    let path: string;
    try {
      ({ host, pathname: path } = new URL(url));
    } catch {
      return fail(`resolved URI "${url}" is not a URL`);
    }
    if (path.replace(/\/$/, '') !== '') return fail(`resolved URI "${url}" contains a path`);
    const parts = host.endsWith(CLUSTER_SUFFIX) ? host.slice(0, -CLUSTER_SUFFIX.length).split('.') : [];
    if (parts.length !== 2)
      return fail(`resolved URI "${url}" must be of the form {name}.{namespace}${CLUSTER_SUFFIX}`);
    if (parts[1] !== dm.metadata.namespace)
      return fail(`resolved URI "${url}" must be in same namespace as DomainMapping`);
    return { target };
  }

  /** IngressReady: the target's Route exists, belongs to it, and has traffic to serve. */
  async function ingressProblem(dm: DomainMapping, target: AnyResource): Promise<Problem | undefined> {
    const ns = dm.metadata.namespace;
    const route =
      target.kind === 'Route' ? (target as Route) : await store.get<Route>('Route', ns, target.metadata.name);
    const routeName = target.metadata.name;
    if (!route)
      return { reason: 'IngressNotConfigured', message: `Waiting for target Route ${ns}/${routeName} to be created.` };
    if (target.kind === 'Service' && !isControlledBy(route, target))
      return {
        reason: 'TargetNotOwned',
        message: `Service ${ns}/${target.metadata.name} does not own Route ${ns}/${routeName}.`,
      };
    if (!route.status?.traffic?.some((t) => (t.percent ?? 0) > 0))
      return {
        reason: 'IngressNotConfigured',
        message: `Waiting for target Route ${ns}/${routeName} to have traffic.`,
      };
    return undefined;
  }

  return async function reconcile(ns: string, name: string): Promise<void> {
    const dm = await store.get<DomainMapping>('DomainMapping', ns, name);
    if (!dm) return;
    const conds = new Conditions(dm.status?.conditions ?? [], deps.now(), CONDITIONS);
    for (const t of CONDITIONS) if (!conds.get(t)) conds.set(t, 'Unknown');
    const generation = dm.metadata.generation ?? 1;
    if (dm.status?.observedGeneration !== generation)
      conds.set('IngressReady', 'Unknown', 'IngressNotConfigured', 'Ingress has not yet been reconciled.');
    const url = `${dm.spec.tls ? 'https' : 'http'}://${dm.metadata.name}`;
    const write = () => {
      const status: DomainMappingStatus = {
        observedGeneration: generation,
        url,
        address: { url },
        conditions: conds.done(),
      };
      return writeStatus(store, dm, status);
    };

    const first = await claimant(name);
    if (first && first.metadata.namespace !== ns) {
      conds.set(
        'DomainClaimed',
        'False',
        'DomainAlreadyClaimed',
        'The domain name is already in use by another DomainMapping',
      );
      await write();
      return;
    }
    conds.set('DomainClaimed', 'True');

    const cert = dm.spec.tls ? await certificateProblem(dm) : undefined;
    if (cert) conds.set('CertificateProvisioned', 'False', cert.reason, cert.message);
    else if (dm.spec.tls) conds.set('CertificateProvisioned', 'True', 'CertificateExternallyProvided', TLS_PROVIDED);
    else conds.set('CertificateProvisioned', 'True', 'TLSNotEnabled', TLS_NOT_ENABLED);

    const { target, problem } = await resolve(dm);
    if (problem || !target) {
      conds.set('ReferenceResolved', 'False', problem?.reason ?? 'ResolveFailed', problem?.message);
      conds.set('IngressReady', 'Unknown', 'IngressNotConfigured', 'Ingress has not yet been reconciled.');
      await write();
      return;
    }
    conds.set('ReferenceResolved', 'True');
    const ingress = await ingressProblem(dm, target);
    if (ingress)
      conds.set(
        'IngressReady',
        ingress.reason === 'TargetNotOwned' ? 'False' : 'Unknown',
        ingress.reason,
        ingress.message,
      );
    else conds.set('IngressReady', 'True');
    await write();
  };
}

/**
 * The DomainMapping controller's registration: its own events, the mappings of the same domain in
 * other namespaces (the claim may move), and the Services, Routes and Secrets mappings name.
 */
export function domainMappingController(deps: DomainMappingReconcilerDeps): ControllerRegistration {
  const byNamespace = new Map<string, Map<string, DomainMapping>>();
  const mappingsIn = (ns: string) => [...(byNamespace.get(ns)?.values() ?? [])];
  const key = (d: DomainMapping) => `${d.metadata.namespace}/${d.metadata.name}`;
  const naming: KeysFor = (_type, o) =>
    mappingsIn(o.metadata.namespace)
      .filter(
        (d) => d.spec?.ref?.name === o.metadata.name && (d.spec.ref.kind === 'Service' || d.spec.ref.kind === 'Route'),
      )
      .map(key);
  return {
    name: 'domainmapping',
    for: 'DomainMapping',
    reconcile: createDomainMappingReconciler(deps),
    watches: {
      DomainMapping: (type, o) => {
        const dm = o as unknown as DomainMapping;
        const ns = dm.metadata.namespace;
        let m = byNamespace.get(ns);
        if (!m) byNamespace.set(ns, (m = new Map()));
        if (type === 'DELETED') m.delete(dm.metadata.name);
        else m.set(dm.metadata.name, dm);
        const others: string[] = [];
        for (const [otherNs, mappings] of byNamespace)
          if (otherNs !== ns && mappings.has(dm.metadata.name)) others.push(`${otherNs}/${dm.metadata.name}`);
        return others;
      },
      Service: naming,
      Route: naming,
      Secret: (_type, o) =>
        mappingsIn(o.metadata.namespace)
          .filter((d) => d.spec?.tls?.secretName === o.metadata.name)
          .map(key),
    },
  };
}
