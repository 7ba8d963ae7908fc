import type { ObjectMeta, Status } from '../../types.js';

/** Knative's duck KReference: what a DomainMapping points at. */
export interface KReference {
  apiVersion: string;
  kind: string;
  name: string;
  /** Defaulted to the DomainMapping's namespace; must be that namespace. */
  namespace?: string;
}

export interface DomainMappingSpec {
  ref: KReference;
  /** Terminate TLS for the domain with this Secret (type kubernetes.io/tls) of the mapping's namespace. */
  tls?: { secretName: string };
}

export interface DomainMappingStatus extends Status {
  url?: string;
  address?: { url?: string };
}

/** Knative's DomainMapping (serving.knative.dev/v1beta1): the object's name is the domain. */
export interface DomainMapping {
  apiVersion: string;
  kind: 'DomainMapping';
  metadata: ObjectMeta;
  spec: DomainMappingSpec;
  status?: DomainMappingStatus;
}

/** Condition types (pkg/apis/serving/v1beta1/domainmapping_types.go). */
export const DOMAIN_MAPPING_CONDITIONS = [
  'DomainClaimed',
  'ReferenceResolved',
  'IngressReady',
  'CertificateProvisioned',
] as const;
