import { FEATURES_CONFIG, PROCESS_REVISIONS_FEATURE, type FeaturesConfig } from '../../config/features.js';
import { DEFAULTS_CONFIG, type DefaultsConfig } from '../defaulting.js';
import { dns1123LabelErrors, dns1123SubdomainErrors } from '../names.js';
import { parseQuantity } from '../quantity.js';
import { RUNTIME_ANNOTATION } from '../runtime-kind.js';
import {
  DEFAULT_USER_PORT,
  validateServingContainer,
  validateSidecarContainer,
  type ContainerContext,
  type ServingPort,
} from './container.js';
import { at, checkDisallowed, type Errs, isInt, isObj, type Obj } from './errors.js';
import { KNATIVE_REVISION_FIELDS, PODSPEC_FIELDS, VOLUME_SOURCES } from './fields.js';

export interface RevisionSpecContext {
  defaults?: DefaultsConfig;
  features?: Partial<FeaturesConfig>;
  /** The revision's (or template's) annotations: `kedge.dev/runtime` decides what `command` means. */
  annotations?: Record<string, string> | undefined;
}

const ALWAYS_ALLOWED_PODSPEC = [
  'containers',
  'volumes',
  'serviceAccountName',
  'imagePullSecrets',
  'enableServiceLinks',
  'automountServiceAccountToken',
];

/** The container that serves requests: the only one, or the one declaring a port. */
export function servingContainerIndex(containers: unknown[]): number {
  if (containers.length <= 1) return 0;
  const i = containers.findIndex((c) => isObj(c) && Array.isArray(c.ports) && c.ports.length > 0);
  return i;
}

/** Knative's validateContainersPorts: the single port across all containers, defaulted to 8080/"http". */
function servingPort(containers: unknown[], path: string, errs: Errs): ServingPort {
  let count = 0;
  let first: Obj | undefined;
  for (const c of containers) {
    if (isObj(c) && Array.isArray(c.ports) && c.ports.length > 0) {
      count += c.ports.length;
      first ??= isObj(c.ports[0]) ? c.ports[0] : {};
    }
  }
  if (count === 0 && containers.length > 1) errs.missing(at(path, 'containers[*].ports'));
  if (count > 1 && containers.length > 1)
    errs.add(
      at(path, 'containers[*].ports'),
      'more than one container port is set: Only a single port is allowed across all containers',
    );
  const name = typeof first?.name === 'string' && first.name ? first.name : 'http';
  const containerPort =
    isInt(first?.containerPort) && first.containerPort !== 0 ? first.containerPort : DEFAULT_USER_PORT;
  return { name, containerPort };
}

function validateKeyToPaths(items: unknown, path: string, errs: Errs): void {
  if (!Array.isArray(items)) return;
  items.forEach((it, i) => {
    const p = at(path, i);
    if (!isObj(it) || !it.key) errs.missing(at(p, 'key'));
    if (!isObj(it) || !it.path) errs.missing(at(p, 'path'));
    else if (typeof it.path === 'string' && (it.path.startsWith('/') || it.path.split('/').includes('..')))
      errs.invalid(at(p, 'path'), it.path, "must be a relative path without '..'");
  });
}

function validateVolume(v: Obj, path: string, errs: Errs, features: FeaturesConfig): void {
  const allowedSources = ['secret', 'configMap', 'projected', ...(features.emptyDir ? ['emptyDir'] : [])];
  checkDisallowed(errs, path, v, ['name', ...allowedSources], ['name', ...VOLUME_SOURCES]);
  if (v.name === undefined || v.name === '') errs.missing(at(path, 'name'));
  else if (typeof v.name !== 'string' || dns1123LabelErrors(v.name).length) errs.invalid(at(path, 'name'), v.name);
  const specified = VOLUME_SOURCES.filter((s) => v[s] !== undefined && v[s] !== null);
  const permitted = specified.filter((s) => allowedSources.includes(s));
  if (specified.length === 0) errs.oneOf(path, allowedSources, 'neither');
  else if (specified.length > 1) errs.oneOf(path, specified, 'both');
  for (const s of permitted) {
    const src = v[s];
    const sp = at(path, s);
    if (!isObj(src)) {
      errs.invalid(sp, src);
      continue;
    }
    if (s === 'secret') {
      if (!src.secretName) errs.missing(at(sp, 'secretName'));
      validateKeyToPaths(src.items, at(sp, 'items'), errs);
    } else if (s === 'configMap') {
      if (!src.name) errs.missing(at(sp, 'name'));
      validateKeyToPaths(src.items, at(sp, 'items'), errs);
    } else if (s === 'emptyDir') {
      if (src.medium !== undefined && src.medium !== '' && src.medium !== 'Memory')
        errs.invalid(at(sp, 'medium'), src.medium);
      if (src.sizeLimit !== undefined && (parseQuantity(src.sizeLimit) ?? -1) < 0)
        errs.invalid(at(sp, 'sizeLimit'), src.sizeLimit);
    } else if (s === 'projected') {
      const sources = Array.isArray(src.sources) ? src.sources : [];
      sources.forEach((ps, i) => {
        const pp = at(at(sp, 'sources'), i);
        if (!isObj(ps)) {
          errs.invalid(pp, ps);
          return;
        }
        const kinds = ['secret', 'configMap', 'serviceAccountToken', 'downwardAPI'];
        checkDisallowed(errs, pp, ps, kinds, [...kinds, 'clusterTrustBundle']);
        const set = kinds.filter((k) => ps[k] != null);
        if (set.length === 0) errs.oneOf(pp, kinds, 'neither');
        else if (set.length > 1) errs.oneOf(pp, set, 'both');
        for (const k of ['secret', 'configMap']) {
          if (isObj(ps[k])) {
            if (!ps[k].name) errs.missing(at(at(pp, k), 'name'));
            validateKeyToPaths(ps[k].items, at(at(pp, k), 'items'), errs);
          }
        }
        const sat = ps.serviceAccountToken;
        if (isObj(sat)) {
          if (!sat.path) errs.missing(at(at(pp, 'serviceAccountToken'), 'path'));
          if (sat.expirationSeconds !== undefined && (!isInt(sat.expirationSeconds) || sat.expirationSeconds < 600))
            errs.invalid(
              at(at(pp, 'serviceAccountToken'), 'expirationSeconds'),
              sat.expirationSeconds,
              'may not be less than 10 minutes',
            );
        }
      });
    }
  }
}

function mountedVolumeNames(containers: unknown[]): Set<string> {
  const out = new Set<string>();
  for (const c of containers) {
    if (isObj(c) && Array.isArray(c.volumeMounts))
      for (const m of c.volumeMounts) if (isObj(m)) out.add(String(m.name));
  }
  return out;
}

function validateVolumes(
  volumes: unknown,
  containers: unknown[],
  path: string,
  errs: Errs,
  features: FeaturesConfig,
): Map<string, Obj> {
  const out = new Map<string, Obj>();
  if (volumes === undefined || volumes === null) return out;
  if (!Array.isArray(volumes)) {
    errs.invalid(path, volumes, 'must be a list');
    return out;
  }
  const mounted = mountedVolumeNames(containers);
  volumes.forEach((v, i) => {
    const p = at(path, i);
    if (!isObj(v)) {
      errs.invalid(p, v);
      return;
    }
    const name = String(v.name ?? '');
    if (out.has(name)) errs.add(at(p, 'name'), `duplicate volume name ${JSON.stringify(name)}`);
    if (!mounted.has(name)) errs.add(at(p, 'name'), `volume with name ${JSON.stringify(name)} not mounted`);
    validateVolume(v, p, errs, features);
    out.set(name, v);
  });
  return out;
}

function validateTimeouts(spec: Obj, path: string, errs: Errs, d: DefaultsConfig): void {
  const max = d.maxRevisionTimeoutSeconds;
  const check = (field: string, hi: number) => {
    const v = spec[field];
    if (v === undefined || v === null) return;
    if (!isInt(v)) errs.invalid(at(path, field), v, 'must be an integer number of seconds');
    else if (v !== 0 && (v < 0 || v > hi)) errs.bounds(at(path, field), v, 0, hi);
  };
  check('timeoutSeconds', max);
  check('idleTimeoutSeconds', max);
  // The first byte cannot be waited for longer than the whole request may take.
  const timeout =
    isInt(spec.timeoutSeconds) && spec.timeoutSeconds > 0 ? spec.timeoutSeconds : d.revisionTimeoutSeconds;
  check('responseStartTimeoutSeconds', Math.min(timeout, max));
}

function validateContainerConcurrency(v: unknown, path: string, errs: Errs, d: DefaultsConfig): void {
  if (v === undefined || v === null) return;
  const lo = d.allowContainerConcurrencyZero === false ? 1 : 0;
  if (!isInt(v)) errs.invalid(path, v, 'must be an integer');
  else if (v < lo || v > d.containerConcurrencyMaxLimit) errs.bounds(path, v, lo, d.containerConcurrencyMaxLimit);
}

/**
 * A container with `command` runs a local process (unless `kedge.dev/runtime` declares another kind):
 * only when config-features allows it.
 */
function checkProcessRevisions(
  containers: unknown[],
  path: string,
  errs: Errs,
  features: FeaturesConfig,
  annotations?: Record<string, string>,
): void {
  const declared = annotations?.[RUNTIME_ANNOTATION];
  if (
    declared === 'process' &&
    !(isObj(containers[0]) && Array.isArray(containers[0].command) && containers[0].command.length > 0)
  )
    errs.add(
      at(at(at(path, 'containers'), 0), 'command'),
      `required: ${RUNTIME_ANNOTATION} "process" runs this command as a local process`,
    );
  if (features.processRevisions || (declared !== undefined && declared !== 'process')) return;
  containers.forEach((c, i) => {
    if (isObj(c) && Array.isArray(c.command) && c.command.length > 0)
      errs.add(
        at(at(at(path, 'containers'), i), 'command'),
        `process revisions are disabled: a container with "command" runs that command as a local process on the runner. ` +
          `An operator enables them with "${PROCESS_REVISIONS_FEATURE}: enabled" in ConfigMap config-features (namespace knative-serving), ` +
          `or by starting \`kedge up --allow-process-revisions\`; annotation ${RUNTIME_ANNOTATION}: container runs the image instead, with ` +
          `"command" as its entrypoint`,
      );
  });
}

/** Knative's RevisionSpec.Validate (PodSpec subset, containers, timeouts, containerConcurrency). */
export function validateRevisionSpec(spec: unknown, path: string, errs: Errs, ctx: RevisionSpecContext = {}): void {
  const defaults = { ...DEFAULTS_CONFIG, ...ctx.defaults };
  const features = { ...FEATURES_CONFIG, ...ctx.features };
  features.podSpecFields ??= [];
  if (!isObj(spec)) {
    errs.missing(path);
    return;
  }
  checkDisallowed(
    errs,
    path,
    spec,
    [...ALWAYS_ALLOWED_PODSPEC, ...KNATIVE_REVISION_FIELDS, ...features.podSpecFields],
    PODSPEC_FIELDS,
  );

  const containers = Array.isArray(spec.containers) ? spec.containers : [];
  if (spec.containers !== undefined && spec.containers !== null && !Array.isArray(spec.containers))
    errs.invalid(at(path, 'containers'), spec.containers, 'must be a list');
  const volumes = validateVolumes(
    spec.volumes,
    [...containers, ...(Array.isArray(spec.initContainers) ? spec.initContainers : [])],
    at(path, 'volumes'),
    errs,
    features,
  );
  checkProcessRevisions(containers, path, errs, features, ctx.annotations);
  const port = servingPort(containers, path, errs);
  const cctx: ContainerContext = { features, volumes, port };

  if (containers.length === 0) {
    if (!(spec.containers !== undefined && spec.containers !== null && !Array.isArray(spec.containers)))
      errs.missing(at(path, 'containers'));
  } else if (containers.length === 1)
    validateServingContainer(containers[0], at(at(path, 'containers'), 0), errs, cctx);
  else if (!features.multiContainer)
    errs.add(at(path, 'containers'), `multi-container is off, but found ${containers.length} containers`);
  else {
    const seen = new Map<string, number[]>();
    containers.forEach((c, i) => {
      if (isObj(c) && typeof c.name === 'string' && c.name) seen.set(c.name, [...(seen.get(c.name) ?? []), i]);
    });
    for (const idx of seen.values())
      if (idx.length > 1)
        for (const i of idx) errs.add(at(at(at(path, 'containers'), i), 'name'), 'duplicate container name');
    containers.forEach((c, i) => {
      const p = at(at(path, 'containers'), i);
      if (isObj(c) && Array.isArray(c.ports) && c.ports.length > 0) validateServingContainer(c, p, errs, cctx);
      else validateSidecarContainer(c, p, errs, cctx);
    });
  }
  if (Array.isArray(spec.initContainers) && features.podSpecFields.includes('initContainers'))
    for (const [i, c] of spec.initContainers.entries())
      validateSidecarContainer(c, at(at(path, 'initContainers'), i), errs, cctx);

  const sa = spec.serviceAccountName;
  if (sa !== undefined && sa !== null && sa !== '') {
    const msgs = typeof sa === 'string' ? dns1123SubdomainErrors(sa) : ['must be a string'];
    for (const m of msgs) errs.invalid(at(path, 'serviceAccountName'), sa, m);
  }
  for (const f of ['enableServiceLinks', 'automountServiceAccountToken']) {
    const v = spec[f];
    if (v !== undefined && v !== null && typeof v !== 'boolean') errs.invalid(at(path, f), v, 'must be a boolean');
  }
  if (spec.imagePullSecrets !== undefined && spec.imagePullSecrets !== null) {
    if (!Array.isArray(spec.imagePullSecrets))
      errs.invalid(at(path, 'imagePullSecrets'), spec.imagePullSecrets, 'must be a list');
    else
      for (const [i, s] of spec.imagePullSecrets.entries())
        if (!isObj(s) || !s.name) errs.missing(at(at(at(path, 'imagePullSecrets'), i), 'name'));
  }
  validateTimeouts(spec, path, errs, defaults);
  validateContainerConcurrency(spec.containerConcurrency, at(path, 'containerConcurrency'), errs, defaults);
}
