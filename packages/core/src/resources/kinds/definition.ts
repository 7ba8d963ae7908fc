import type { ValidationContext } from '../validation/context.js';
import type { Errs, Obj } from '../validation/errors.js';
import type { Schema } from '../validation/fields.js';
import type { DefaultsConfig } from '../defaulting.js';
import type { AnyResource, Condition } from '../types.js';

/** The kinds Kedge stores, with the group/version and plural Kubernetes clients expect. */
export interface KindInfo {
  kind: string;
  plural: string;
  singular: string;
  shortNames: string[];
  group: string;
  version: string;
  apiVersion: string;
  namespaced: boolean;
}

export const SERVING_GROUP = 'serving.knative.dev';
export const AUTOSCALING_GROUP = 'autoscaling.internal.knative.dev';
export const NETWORKING_GROUP = 'networking.internal.knative.dev';

/** The namespace holding Knative's ConfigMaps (config-domain, config-autoscaler, …). */
export const SYSTEM_NAMESPACE = 'knative-serving';

export function kindInfo<K extends string>(
  kindName: K,
  plural: string,
  group: string,
  version: string,
  shortNames: string[],
): KindInfo & { kind: K } {
  return {
    kind: kindName,
    plural,
    singular: kindName.toLowerCase(),
    shortNames,
    group,
    version,
    apiVersion: group ? `${group}/${version}` : version,
    namespaced: true,
  };
}

/** One column of `kubectl get` (Knative's additionalPrinterColumns); the Name column comes first always. */
export interface PrinterColumn {
  name: string;
  type: 'string' | 'integer';
  cell: (o: AnyResource) => string | number;
  /** 1: shown only with `-o wide`. */
  priority?: number;
}

/** What Knative's SetDefaults gets: the config, the stored object on updates, the object's name. */
export interface DefaultingInput {
  config: DefaultsConfig;
  old?: Obj;
  /** metadata.name, or generateName when the server has not named it yet. */
  name: string;
  user?: string;
}

/**
 * Everything Kedge knows about one resource kind. The API, the CLI, the Store and the cascade read
 * these instead of keeping their own tables, so a new kind is one module registered in
 * `KIND_DEFINITIONS` (kinds/registry.ts); its reconciler, if any, registers in the API's list.
 */
export interface KindDefinition<K extends string = string> {
  info: KindInfo & { kind: K };
  /** Clients may create, update and delete it; otherwise it is a read-only view Kedge writes. */
  writable: boolean;
  /** A read-only kind clients may still delete (a Pod: deleting it stops its instance). */
  deletable?: boolean;
  /** Subresources besides `status` (a Pod's `log`), for discovery. */
  subresources?: readonly string[];
  /** Has a `/status` subresource: writes to the object keep the stored status. */
  statusSubresource: boolean;
  /** `application/strategic-merge-patch+json` is accepted (kubectl's default for core kinds). */
  strategicMergePatch?: boolean;
  /** In kubectl's `all` category (and `kedge get all`). */
  inCategoryAll?: boolean;
  /** The fields its type has: anything else is an unknown field (strict decoding). */
  fields: Schema;
  /** Knative's SetDefaults, in place on the admitted copy. */
  setDefaults?: (o: Obj, input: DefaultingInput) => void;
  /** Knative's Validate: adds every problem with its field path to `errs`. */
  validate: (o: Obj, errs: Errs, ctx: ValidationContext) => void;
  columns: PrinterColumn[];
  /** Kinds its objects can own (ownerReferences): where the cascade looks for dependents. */
  owns: readonly string[];
  /** Its top-level fields in the OpenAPI document, when not Knative's `spec` and `status`. */
  openApiProperties?: Record<string, unknown>;
  /** Holds credentials: reading it needs the API token, and only tables (never its data) are logged or printed. */
  sensitive?: boolean;
}

export function defineKind<K extends string>(d: KindDefinition<K>): KindDefinition<K> {
  return d;
}

const statusOf = (o: AnyResource) => (o as { status?: Record<string, unknown> }).status ?? {};
const readyOf = (o: AnyResource): Condition | undefined =>
  (statusOf(o).conditions as Condition[] | undefined)?.find((c) => c.type === 'Ready');
export const str = (v: unknown): string => (v === undefined || v === null ? '' : String(v));

/** Columns several kinds share. */
export const COLUMN = {
  ready: { name: 'Ready', type: 'string', cell: (o) => readyOf(o)?.status ?? 'Unknown' } as PrinterColumn,
  reason: { name: 'Reason', type: 'string', cell: (o) => readyOf(o)?.reason ?? '' } as PrinterColumn,
  url: { name: 'URL', type: 'string', cell: (o) => str(statusOf(o).url) } as PrinterColumn,
  status: (name: string, field: string, type: 'string' | 'integer' = 'string'): PrinterColumn => ({
    name,
    type,
    cell: (o) => (type === 'integer' ? Number(statusOf(o)[field] ?? 0) : str(statusOf(o)[field])),
  }),
};
