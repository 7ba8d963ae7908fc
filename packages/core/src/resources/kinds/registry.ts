import { configMapKind } from './config-map.js';
import { configurationKind } from './configuration.js';
import type { KindDefinition, KindInfo } from './definition.js';
import { domainMappingKind } from './domain-mapping/index.js';
import { eventKind } from './event.js';
import { podKind } from './pod.js';
import { podAutoscalerKind } from './pod-autoscaler.js';
import { revisionKind } from './revision.js';
import { routeKind } from './route.js';
import { secretKind } from './secret/index.js';
import { serverlessServiceKind } from './serverless-service.js';
import { serviceKind } from './service.js';

/** Every kind Kedge serves and stores, in discovery order. Adding a kind is adding its module here. */
export const KIND_DEFINITIONS = [
  serviceKind,
  configurationKind,
  revisionKind,
  routeKind,
  podAutoscalerKind,
  serverlessServiceKind,
  configMapKind,
  domainMappingKind,
  secretKind,
  podKind,
  eventKind,
] as const;

export type Kind = (typeof KIND_DEFINITIONS)[number]['info']['kind'];

export const KINDS = Object.fromEntries(KIND_DEFINITIONS.map((d) => [d.info.kind, d.info])) as {
  readonly [K in Kind]: KindInfo & { kind: K };
};

export const KIND_NAMES = KIND_DEFINITIONS.map((d) => d.info.kind) as Kind[];

const BY_KIND = new Map<string, KindDefinition>(KIND_DEFINITIONS.map((d) => [d.info.kind, d as KindDefinition]));

for (const d of KIND_DEFINITIONS)
  for (const child of d.owns)
    if (!BY_KIND.has(child)) throw new Error(`kind ${d.info.kind} owns unknown kind ${child}`);

/** The definition of a kind by its name (`Service`), or undefined for a kind Kedge does not have. */
export function kindDefinition(kind: string): KindDefinition | undefined {
  return BY_KIND.get(kind);
}
