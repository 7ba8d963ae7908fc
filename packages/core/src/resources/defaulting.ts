import { deepEqual } from './diff.js';
import { childName, renderNameTemplate } from './names.js';
import type { AnyResource } from './types.js';
import { DEFAULT_USER_PORT } from './validation/container.js';
import { isObj, type Obj } from './validation/errors.js';
import { CREATOR_ANNOTATION, LAST_MODIFIER_ANNOTATION } from './validation/metadata.js';

/**
 * Knative's config-defaults ConfigMap, parsed (see config/defaults.ts parseDefaultsConfig).
 * The fields after the first four are optional so hand-written configs keep compiling;
 * missing ones take Knative's defaults.
 */
export interface DefaultsConfig {
  revisionTimeoutSeconds: number;
  maxRevisionTimeoutSeconds: number;
  containerConcurrency: number;
  containerConcurrencyMaxLimit: number;
  /** Defaulted onto a revision only when non-zero and below its timeoutSeconds; unset = revisionTimeoutSeconds. */
  revisionResponseStartTimeoutSeconds?: number;
  revisionIdleTimeoutSeconds?: number;
  /** false ⇒ containerConcurrency must be ≥ 1. */
  allowContainerConcurrencyZero?: boolean;
  /** Default container name; `{{.Name}}` is the parent's name. */
  containerNameTemplate?: string;
  initContainerNameTemplate?: string;
  enableServiceLinks?: boolean;
  revisionCpuRequest?: string;
  revisionMemoryRequest?: string;
  revisionEphemeralStorageRequest?: string;
  revisionCpuLimit?: string;
  revisionMemoryLimit?: string;
  revisionEphemeralStorageLimit?: string;
}

export const DEFAULTS_CONFIG: DefaultsConfig = {
  revisionTimeoutSeconds: 300,
  maxRevisionTimeoutSeconds: 600,
  containerConcurrency: 0,
  containerConcurrencyMaxLimit: 1000,
  revisionIdleTimeoutSeconds: 0,
  allowContainerConcurrencyZero: true,
  containerNameTemplate: 'user-container',
  initContainerNameTemplate: 'init-container',
  enableServiceLinks: false,
};

/** Who is asking and what is stored: drives Knative's update-time defaulting rules. */
export interface DefaultingContext {
  /** The stored object when this is an update. */
  old?: AnyResource;
  /** The requesting user, recorded in serving.knative.dev/creator and lastModifier. */
  user?: string;
}

type Cfg = DefaultsConfig & typeof DEFAULTS_CONFIG;

const RESOURCE_DEFAULTS = [
  ['requests', 'cpu', 'revisionCpuRequest'],
  ['requests', 'memory', 'revisionMemoryRequest'],
  ['requests', 'ephemeral-storage', 'revisionEphemeralStorageRequest'],
  ['limits', 'cpu', 'revisionCpuLimit'],
  ['limits', 'memory', 'revisionMemoryLimit'],
  ['limits', 'ephemeral-storage', 'revisionEphemeralStorageLimit'],
] as const;

function isInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v);
}

function unsetOrZero(v: unknown): boolean {
  return v === undefined || v === null || v === 0;
}

function defaultContainerNames(containers: Obj[], base: string): void {
  if (containers.length === 1) {
    if (!containers[0]!.name) containers[0]!.name = base;
    return;
  }
  const used = new Set(containers.map((c) => c.name).filter((n): n is string => typeof n === 'string' && n !== ''));
  containers.forEach((c, i) => {
    if (c.name) return;
    let idx = i;
    let name = childName(base, `-${idx}`);
    while (used.has(name)) name = childName(base, `-${++idx}`);
    c.name = name;
    used.add(name);
  });
}

function hasHandler(p: Obj): boolean {
  return ['tcpSocket', 'httpGet', 'exec', 'grpc'].some((h) => p[h] !== undefined && p[h] !== null);
}

function defaultContainer(c: Obj, serving: boolean, single: boolean, cfg: Cfg, writable: Set<string>): void {
  for (const [kind, res, key] of RESOURCE_DEFAULTS) {
    const v = cfg[key];
    if (v === undefined) continue;
    if (c.resources == null) c.resources = {};
    const resources = c.resources;
    if (!isObj(resources)) continue;
    if (resources[kind] == null) resources[kind] = {};
    const m = resources[kind];
    if (isObj(m) && m[res] === undefined) m[res] = v;
  }
  if (serving) {
    // The queue needs a port to talk to; Knative's runtime contract says 8080 when none is given.
    if (single && (!Array.isArray(c.ports) || c.ports.length === 0)) c.ports = [{ containerPort: DEFAULT_USER_PORT }];
    if (c.readinessProbe == null) c.readinessProbe = {};
    if (isObj(c.readinessProbe) && !hasHandler(c.readinessProbe)) c.readinessProbe.tcpSocket = { port: 0 };
  }
  const rp = c.readinessProbe;
  if (isObj(rp)) {
    if (!rp.successThreshold) rp.successThreshold = 1;
    if (isInt(rp.periodSeconds) && rp.periodSeconds !== 0) {
      if (!rp.failureThreshold) rp.failureThreshold = 3;
      if (!rp.timeoutSeconds) rp.timeoutSeconds = 1;
    }
  }
  for (const f of ['readinessProbe', 'livenessProbe', 'startupProbe']) {
    const p = c[f];
    if (isObj(p) && isObj(p.grpc) && p.grpc.service === undefined) p.grpc.service = '';
  }
  if (Array.isArray(c.volumeMounts))
    for (const m of c.volumeMounts) if (isObj(m) && !writable.has(String(m.name))) m.readOnly = true;
}

/** Knative's RevisionSpec.SetDefaults, in place. `parentName` feeds the container name template. */
export function defaultRevisionSpec(spec: Obj, config: DefaultsConfig = DEFAULTS_CONFIG, parentName = ''): void {
  const cfg = { ...DEFAULTS_CONFIG, ...config } as Cfg;
  // Only absent or zero values are defaulted; a wrongly typed one is left for validation to name.
  if (unsetOrZero(spec.timeoutSeconds)) spec.timeoutSeconds = cfg.revisionTimeoutSeconds;
  const timeout = isInt(spec.timeoutSeconds) ? spec.timeoutSeconds : cfg.revisionTimeoutSeconds;
  const idle = cfg.revisionIdleTimeoutSeconds ?? 0;
  if (unsetOrZero(spec.idleTimeoutSeconds) && idle !== 0 && idle < timeout) spec.idleTimeoutSeconds = idle;
  const rst = cfg.revisionResponseStartTimeoutSeconds ?? cfg.revisionTimeoutSeconds;
  if (unsetOrZero(spec.responseStartTimeoutSeconds) && rst !== 0 && rst < timeout)
    spec.responseStartTimeoutSeconds = rst;
  if (spec.containerConcurrency === undefined || spec.containerConcurrency === null)
    spec.containerConcurrency = cfg.containerConcurrency;
  // Knative defaults this on create only, relying on kubectl's merge to keep it on updates;
  // Kedge clients PUT whole manifests, so it is defaulted whenever absent.
  if (spec.enableServiceLinks === undefined && cfg.enableServiceLinks !== undefined)
    spec.enableServiceLinks = cfg.enableServiceLinks;

  const containers = (Array.isArray(spec.containers) ? spec.containers : []).filter(isObj);
  const base = renderNameTemplate(cfg.containerNameTemplate ?? 'user-container', parentName);
  defaultContainerNames(containers, typeof base === 'string' ? base : 'user-container');
  if (Array.isArray(spec.initContainers)) {
    const initBase = renderNameTemplate(cfg.initContainerNameTemplate ?? 'init-container', parentName);
    defaultContainerNames(
      spec.initContainers.filter(isObj),
      typeof initBase === 'string' ? initBase : 'init-container',
    );
  }
  const writable = new Set<string>();
  if (Array.isArray(spec.volumes))
    for (const v of spec.volumes)
      if (isObj(v) && (v.emptyDir != null || v.persistentVolumeClaim != null || v.ephemeral != null))
        writable.add(String(v.name));
  const single = containers.length === 1;
  for (const c of containers) {
    const serving = single || (Array.isArray(c.ports) && c.ports.length > 0);
    defaultContainer(c, serving, single, cfg, writable);
  }
}

/** TrafficTarget.SetDefaults plus the Service's implicit "all traffic to latest". */
export function defaultTraffic(spec: Obj, hasDefaultConfiguration: boolean): void {
  if (
    hasDefaultConfiguration &&
    (spec.traffic === undefined || spec.traffic === null || (Array.isArray(spec.traffic) && spec.traffic.length === 0))
  )
    spec.traffic = [{ percent: 100, latestRevision: true }];
  if (!Array.isArray(spec.traffic)) return;
  for (const tt of spec.traffic) {
    if (!isObj(tt)) continue;
    if (tt.latestRevision === undefined || tt.latestRevision === null) tt.latestRevision = !tt.revisionName;
    if (tt.percent === undefined || tt.percent === null) tt.percent = 0;
  }
}

/** Every field set in `part` has the same value in `whole` (arrays element by element). */
function isSubset(part: unknown, whole: unknown): boolean {
  if (Array.isArray(part))
    return Array.isArray(whole) && part.length === whole.length && part.every((v, i) => isSubset(v, whole[i]));
  if (isObj(part))
    return isObj(whole) && Object.entries(part).every(([k, v]) => v === undefined || isSubset(v, whole[k]));
  return deepEqual(part, whole);
}

function leafPaths(v: unknown, path = '', out = new Set<string>()): Set<string> {
  if (Array.isArray(v)) for (const [i, x] of v.entries()) leafPaths(x, `${path}[${i}]`, out);
  else if (isObj(v) && Object.keys(v).length > 0)
    for (const [k, x] of Object.entries(v)) leafPaths(x, `${path}.${k}`, out);
  else if (v !== undefined) out.add(path);
  return out;
}

/**
 * `sent` is the stored revision spec minus only what defaulting fills in: the client re-sent
 * what it first wrote. (Whether the client dropped a field it had set to a defaultable value
 * cannot be told apart without kubectl's last-applied record; the stored value is kept.)
 */
export function isStoredMinusDefaults(sent: unknown, stored: unknown, defaultSpec: (spec: Obj) => void): boolean {
  if (!isObj(sent) || !isObj(stored) || !isSubset(sent, stored)) return false;
  const defaulted = structuredClone(sent);
  defaultSpec(defaulted);
  const sentPaths = leafPaths(sent);
  const added = leafPaths(defaulted);
  for (const p of leafPaths(stored)) if (!sentPaths.has(p) && !added.has(p)) return false;
  return true;
}

export function defaultTemplate(spec: Obj, old: Obj | undefined, parentName: string, cfg: DefaultsConfig): void {
  const tpl = spec.template;
  if (!isObj(tpl)) return;
  // Re-defaulting a template kept under the same BYO name would look like a change to it.
  const name = isObj(tpl.metadata) ? tpl.metadata.name : undefined;
  const oldTpl = old && isObj(old.spec) && isObj(old.spec.template) ? old.spec.template : undefined;
  const oldName = oldTpl && isObj(oldTpl.metadata) ? oldTpl.metadata.name : undefined;
  if (old && name && name === oldName) {
    // Knative skips defaulting here and relies on kubectl's merge keeping the stored defaults.
    // Kedge clients PUT the manifest as written, so a template that only omits what defaulting
    // added is the stored template again.
    if (
      oldTpl &&
      deepEqual(tpl.metadata, oldTpl.metadata) &&
      isStoredMinusDefaults(tpl.spec, oldTpl.spec, (x) => defaultRevisionSpec(x, cfg, parentName))
    )
      spec.template = structuredClone(oldTpl);
    return;
  }
  if (isObj(tpl.spec)) defaultRevisionSpec(tpl.spec, cfg, parentName);
}

/** Knative's SetUserInfo, plus carrying the stored creator over when a client omits it. */
export function setUserInfo(o: Obj, ctx: { old?: unknown; user?: string | undefined }): void {
  const meta = o.metadata as Obj;
  const old = ctx.old as Obj | undefined;
  const oldAnns = (
    old && isObj(old.metadata) && isObj(old.metadata.annotations) ? old.metadata.annotations : {}
  ) as Record<string, string>;
  const anns = (isObj(meta.annotations) ? meta.annotations : {}) as Record<string, string>;
  const before = Object.keys(anns).length;
  if (old) {
    const specChanged = !deepEqual(old.spec, o.spec);
    // kubectl apply keeps annotations it did not write; a plain PUT of the manifest drops them.
    if (anns[CREATOR_ANNOTATION] === undefined && oldAnns[CREATOR_ANNOTATION] !== undefined)
      anns[CREATOR_ANNOTATION] = oldAnns[CREATOR_ANNOTATION];
    if (specChanged && ctx.user) anns[LAST_MODIFIER_ANNOTATION] = ctx.user;
    else if (anns[LAST_MODIFIER_ANNOTATION] === undefined && oldAnns[LAST_MODIFIER_ANNOTATION] !== undefined)
      anns[LAST_MODIFIER_ANNOTATION] = oldAnns[LAST_MODIFIER_ANNOTATION];
  } else if (ctx.user) {
    anns[CREATOR_ANNOTATION] = ctx.user;
    anns[LAST_MODIFIER_ANNOTATION] = ctx.user;
  }
  if (Object.keys(anns).length > before || isObj(meta.annotations)) meta.annotations = anns;
}
