import type { FeaturesConfig } from '../../config/features.js';
import { dns1123LabelErrors } from '../names.js';
import { parseQuantity } from '../quantity.js';
import { at, checkDisallowed, type Errs, isInt, isObj, MAX_INT32, setFields, type Obj } from './errors.js';
import { CONTAINER_FIELDS } from './fields.js';
import { imageProblem } from './image.js';

export const RESERVED_PORTS = [8012, 8013, 8022, 9090, 9091, 8008];
export const RESERVED_ENV_VARS = ['PORT', 'K_SERVICE', 'K_CONFIGURATION', 'K_REVISION'];
/** Sidecars may set PORT: it describes the serving container, not them. */
const RESERVED_SIDECAR_ENV_VARS = ['K_SERVICE', 'K_CONFIGURATION', 'K_REVISION'];
export const RESERVED_CONTAINER_NAMES = ['queue-proxy'];
export const DEFAULT_USER_PORT = 8080;
const VALID_PORT_NAMES = ['', 'h2c', 'http1'];

export const ALLOWED_CONTAINER_FIELDS = [
  'name',
  'image',
  'args',
  'command',
  'env',
  'envFrom',
  'workingDir',
  'imagePullPolicy',
  'ports',
  'livenessProbe',
  'readinessProbe',
  'startupProbe',
  'resources',
  'securityContext',
  'terminationMessagePath',
  'terminationMessagePolicy',
  'volumeMounts',
];

/** The port the serving container listens on, as Knative's validateContainersPorts derives it. */
export interface ServingPort {
  name: string;
  containerPort: number;
}

export interface ContainerContext {
  features: FeaturesConfig;
  /** Volume name → volume, for mount checks. */
  volumes: Map<string, Obj>;
  port: ServingPort;
}

function checkStringList(v: unknown, path: string, errs: Errs): void {
  if (v === undefined || v === null) return;
  if (!Array.isArray(v)) errs.invalid(path, v, 'must be a list of strings');
  else for (const [i, s] of v.entries()) if (typeof s !== 'string') errs.invalid(at(path, i), s, 'must be a string');
}

function validateEnv(env: unknown, path: string, errs: Errs, reserved: string[], features: FeaturesConfig): void {
  if (env === undefined || env === null) return;
  if (!Array.isArray(env)) {
    errs.invalid(path, env, 'must be a list');
    return;
  }
  env.forEach((e, i) => {
    const p = at(path, i);
    if (!isObj(e)) {
      errs.invalid(p, e);
      return;
    }
    const name = e.name;
    if (name === undefined || name === '' || name === null) errs.missing(at(p, 'name'));
    else if (typeof name !== 'string') errs.invalid(at(p, 'name'), name);
    else if (reserved.includes(name))
      errs.add(at(p, 'name'), `${JSON.stringify(name)} is a reserved environment variable`);
    if (e.value !== undefined && e.value !== null && typeof e.value !== 'string')
      errs.invalid(at(p, 'value'), e.value, 'must be a string');
    const vf = e.valueFrom;
    if (vf === undefined || vf === null) return;
    const vp = at(p, 'valueFrom');
    if (!isObj(vf)) {
      errs.invalid(vp, vf);
      return;
    }
    if (typeof e.value === 'string' && e.value !== '') errs.add(vp, 'may not be specified when `value` is not empty');
    const allowed = ['configMapKeyRef', 'secretKeyRef', ...(features.fieldRef ? ['fieldRef', 'resourceFieldRef'] : [])];
    checkDisallowed(errs, vp, vf, allowed);
    const set = setFields(vf);
    if (set.length === 0) errs.oneOf(vp, allowed, 'neither');
    else if (set.length > 1) errs.oneOf(vp, set, 'both');
    for (const ref of ['configMapKeyRef', 'secretKeyRef']) {
      const r = vf[ref];
      if (r === undefined) continue;
      if (!isObj(r) || typeof r.key !== 'string' || r.key === '') errs.missing(at(at(vp, ref), 'key'));
      if (!isObj(r) || typeof r.name !== 'string' || r.name === '') errs.missing(at(at(vp, ref), 'name'));
    }
  });
}

function validateEnvFrom(envFrom: unknown, path: string, errs: Errs): void {
  if (envFrom === undefined || envFrom === null) return;
  if (!Array.isArray(envFrom)) {
    errs.invalid(path, envFrom, 'must be a list');
    return;
  }
  envFrom.forEach((e, i) => {
    const p = at(path, i);
    if (!isObj(e)) {
      errs.invalid(p, e);
      return;
    }
    const cm = e.configMapRef;
    const sm = e.secretRef;
    if (cm != null && sm != null) errs.oneOf(p, ['configMapRef', 'secretRef'], 'both');
    else if (cm == null && sm == null) errs.oneOf(p, ['configMapRef', 'secretRef'], 'neither');
    for (const [f, r] of [
      ['configMapRef', cm],
      ['secretRef', sm],
    ] as const) {
      if (r != null && (!isObj(r) || typeof r.name !== 'string' || r.name === '')) errs.missing(at(at(p, f), 'name'));
    }
  });
}

/** Knative's validateContainerPorts: only the first port matters, and it must suit the queue. */
function validatePorts(ports: unknown, path: string, errs: Errs): void {
  if (ports === undefined || ports === null) return;
  if (!Array.isArray(ports)) {
    errs.invalid(path, ports, 'must be a list');
    return;
  }
  if (ports.length === 0) return;
  const port = ports[0];
  const p = at(path, 0);
  if (!isObj(port)) {
    errs.invalid(p, port);
    return;
  }
  checkDisallowed(errs, p, port, ['containerPort', 'name', 'protocol']);
  if (port.protocol !== undefined && port.protocol !== '' && port.protocol !== 'TCP')
    errs.invalid(at(p, 'protocol'), port.protocol);
  const cp = port.containerPort;
  if (cp !== undefined && !isInt(cp)) errs.invalid(at(p, 'containerPort'), cp);
  else if (isInt(cp)) {
    if (RESERVED_PORTS.includes(cp)) errs.invalid(at(p, 'containerPort'), cp);
    if (cp < 0 || cp > 65535) errs.bounds(at(p, 'containerPort'), cp, 0, 65535);
  }
  const name = port.name ?? '';
  if (typeof name !== 'string' || !VALID_PORT_NAMES.includes(name))
    errs.add(at(p, 'name'), `Port name ${String(name)} is not allowed: Name must be empty, or one of: 'h2c', 'http1'`);
}

const QUANTITY_FIELDS = ['limits', 'requests'] as const;

function validateResources(res: unknown, path: string, errs: Errs): void {
  if (res === undefined || res === null) return;
  if (!isObj(res)) {
    errs.invalid(path, res);
    return;
  }
  checkDisallowed(errs, path, res, QUANTITY_FIELDS);
  const parsed: Record<string, Record<string, number>> = { limits: {}, requests: {} };
  for (const f of QUANTITY_FIELDS) {
    const m = res[f];
    if (m === undefined || m === null) continue;
    if (!isObj(m)) {
      errs.invalid(at(path, f), m, 'must be a map of resource quantities');
      continue;
    }
    for (const [k, v] of Object.entries(m)) {
      const q = parseQuantity(v);
      if (q === undefined) errs.invalid(at(at(path, f), k), v, 'must be a resource quantity (e.g. 100m, 128Mi)');
      else if (q < 0) errs.invalid(at(at(path, f), k), v, 'must be greater than or equal to 0');
      else parsed[f]![k] = q;
    }
  }
  // What the Kubernetes apiserver would reject when creating the Deployment.
  for (const [k, req] of Object.entries(parsed.requests!)) {
    const lim = parsed.limits![k];
    if (lim !== undefined && req > lim)
      errs.invalid(
        at(at(path, 'requests'), k),
        (res.requests as Obj)[k],
        `must be less than or equal to ${k} limit of ${String((res.limits as Obj)[k])}`,
      );
  }
}

const SECURITY_CONTEXT_ALLOWED = [
  'capabilities',
  'readOnlyRootFilesystem',
  'runAsGroup',
  'runAsNonRoot',
  'runAsUser',
  'allowPrivilegeEscalation',
  'seccompProfile',
];

function validateSecurityContext(sc: unknown, path: string, errs: Errs): void {
  if (sc === undefined || sc === null) return;
  if (!isObj(sc)) {
    errs.invalid(path, sc);
    return;
  }
  checkDisallowed(errs, path, sc, SECURITY_CONTEXT_ALLOWED);
  for (const f of ['runAsUser', 'runAsGroup']) {
    const v = sc[f];
    if (v === undefined || v === null) continue;
    if (!isInt(v) || v < 0 || v > MAX_INT32) errs.bounds(at(path, f), v, 0, MAX_INT32);
  }
  const caps = sc.capabilities;
  // Adding capabilities sits behind a feature flag Kedge does not offer; dropping is fine.
  if (isObj(caps)) checkDisallowed(errs, at(path, 'capabilities'), caps, ['drop']);
  const sp = sc.seccompProfile;
  if (isObj(sp) && sp.type !== undefined && !['RuntimeDefault', 'Unconfined', 'Localhost'].includes(String(sp.type)))
    errs.invalid(at(at(path, 'seccompProfile'), 'type'), sp.type);
}

const PROBE_HANDLERS = ['httpGet', 'tcpSocket', 'exec', 'grpc'] as const;
const PROBE_ALLOWED = [
  ...PROBE_HANDLERS,
  'initialDelaySeconds',
  'timeoutSeconds',
  'periodSeconds',
  'successThreshold',
  'failureThreshold',
];
const HANDLER_ALLOWED: Record<string, string[]> = {
  httpGet: ['host', 'path', 'scheme', 'httpHeaders', 'port'],
  tcpSocket: ['host', 'port'],
  exec: ['command'],
  grpc: ['port', 'service'],
};

/** Knative's validateProbe; `port` is the serving port, undefined for sidecars (explicit port needed). */
function validateProbe(probe: unknown, path: string, errs: Errs, port: ServingPort | undefined): Obj | undefined {
  if (probe === undefined || probe === null) return undefined;
  if (!isObj(probe)) {
    errs.invalid(path, probe);
    return undefined;
  }
  checkDisallowed(errs, path, probe, PROBE_ALLOWED);
  const handlers = PROBE_HANDLERS.filter((h) => probe[h] !== undefined && probe[h] !== null);
  for (const h of handlers) {
    const hp = at(path, h);
    const action = probe[h];
    if (!isObj(action)) {
      errs.invalid(hp, action);
      continue;
    }
    checkDisallowed(errs, hp, action, HANDLER_ALLOWED[h]!);
    if (h === 'exec') {
      checkStringList(action.command, at(hp, 'command'), errs);
      continue;
    }
    const pp = action.port;
    const unset = pp === undefined || pp === null || pp === 0 || pp === '';
    if (port) {
      const mismatch =
        (typeof pp === 'string' && pp !== '' && pp !== port.name) ||
        (typeof pp === 'number' && pp !== 0 && pp !== port.containerPort);
      if (mismatch) errs.invalid(at(hp, 'port'), pp, 'Probe port must match container port');
    } else if (unset) {
      errs.missing(at(hp, 'port'));
    }
  }
  if (handlers.length === 0) errs.oneOf(path, [...PROBE_HANDLERS], 'neither');
  else if (handlers.length > 1) errs.oneOf(path, handlers, 'both');
  for (const f of ['initialDelaySeconds', 'timeoutSeconds', 'periodSeconds', 'successThreshold', 'failureThreshold']) {
    const v = probe[f];
    if (v !== undefined && v !== null && !isInt(v)) errs.invalid(at(path, f), v, 'must be an integer');
  }
  return probe;
}

function num(v: unknown): number {
  return isInt(v) ? v : 0;
}

function validateReadinessProbe(probe: unknown, path: string, errs: Errs, port: ServingPort | undefined): void {
  const p = validateProbe(probe, path, errs, port);
  if (!p) return;
  const period = num(p.periodSeconds);
  if (period < 0) errs.bounds(at(path, 'periodSeconds'), period, 0, MAX_INT32);
  if (num(p.initialDelaySeconds) < 0) errs.bounds(at(path, 'initialDelaySeconds'), p.initialDelaySeconds, 0, MAX_INT32);
  if (num(p.successThreshold) < 1) errs.bounds(at(path, 'successThreshold'), num(p.successThreshold), 1, MAX_INT32);
  if (period === 0) {
    // periodSeconds 0 is Knative's aggressive probing: it owns timing, so these make no sense.
    if (num(p.failureThreshold) !== 0)
      errs.add(at(path, 'failureThreshold'), 'failureThreshold is disallowed when periodSeconds is zero');
    if (num(p.timeoutSeconds) !== 0)
      errs.add(at(path, 'timeoutSeconds'), 'timeoutSeconds is disallowed when periodSeconds is zero');
  } else {
    if (num(p.timeoutSeconds) < 1) errs.bounds(at(path, 'timeoutSeconds'), num(p.timeoutSeconds), 1, MAX_INT32);
    if (num(p.failureThreshold) < 1) errs.bounds(at(path, 'failureThreshold'), num(p.failureThreshold), 1, MAX_INT32);
  }
}

/** Liveness and startup probes: Kubernetes' non-negative rules on top of Knative's handler rules. */
function validateOtherProbe(probe: unknown, path: string, errs: Errs, port: ServingPort | undefined): void {
  const p = validateProbe(probe, path, errs, port);
  if (!p) return;
  for (const f of ['initialDelaySeconds', 'timeoutSeconds', 'periodSeconds', 'successThreshold', 'failureThreshold'])
    if (num(p[f]) < 0) errs.bounds(at(path, f), p[f], 0, MAX_INT32);
}

const RESERVED_MOUNT_PATHS = ['/', '/dev', '/dev/log'];

function cleanPath(p: string): string {
  const parts: string[] = [];
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') parts.pop();
    else parts.push(seg);
  }
  return `/${parts.join('/')}`;
}

function validateVolumeMounts(mounts: unknown, path: string, errs: Errs, volumes: Map<string, Obj>): void {
  if (mounts === undefined || mounts === null) return;
  if (!Array.isArray(mounts)) {
    errs.invalid(path, mounts, 'must be a list');
    return;
  }
  const seenPaths = new Set<string>();
  mounts.forEach((m, i) => {
    const p = at(path, i);
    if (!isObj(m)) {
      errs.invalid(p, m);
      return;
    }
    checkDisallowed(errs, p, m, ['name', 'readOnly', 'mountPath', 'subPath']);
    const volume = volumes.get(String(m.name));
    if (!volume) errs.add(at(p, 'name'), 'volumeMount has no matching volume');
    const mp = m.mountPath;
    if (typeof mp !== 'string' || mp === '') errs.missing(at(p, 'mountPath'));
    else {
      const clean = cleanPath(mp);
      if (RESERVED_MOUNT_PATHS.includes(clean) && mp.startsWith('/'))
        errs.add(at(p, 'mountPath'), `mountPath ${JSON.stringify(clean)} is a reserved path`);
      else if (!mp.startsWith('/')) errs.invalid(at(p, 'mountPath'), mp);
      else if (seenPaths.has(clean)) errs.invalid(at(p, 'mountPath'), `${JSON.stringify(mp)} must be unique`);
      seenPaths.add(clean);
    }
    if (volume && volume.emptyDir == null && volume.persistentVolumeClaim == null && m.readOnly !== true)
      errs.missing(at(p, 'readOnly'));
  });
}

/** Rules every container (serving or sidecar) obeys: Knative's `validate`. */
function validateCommon(c: Obj, path: string, errs: Errs, ctx: ContainerContext, sidecar: boolean): void {
  checkDisallowed(errs, path, c, ALLOWED_CONTAINER_FIELDS, CONTAINER_FIELDS);
  if (c.name !== undefined && c.name !== '') {
    if (typeof c.name !== 'string') errs.invalid(at(path, 'name'), c.name);
    else if (RESERVED_CONTAINER_NAMES.includes(c.name))
      errs.add(at(path, 'name'), `${JSON.stringify(c.name)} is a reserved container name`);
    else {
      const msgs = dns1123LabelErrors(c.name);
      if (msgs.length) errs.invalid(at(path, 'name'), c.name, msgs.join('; '));
    }
  }
  validateEnv(c.env, at(path, 'env'), errs, sidecar ? RESERVED_SIDECAR_ENV_VARS : RESERVED_ENV_VARS, ctx.features);
  validateEnvFrom(c.envFrom, at(path, 'envFrom'), errs);
  if (c.image === undefined || c.image === null || c.image === '') errs.missing(at(path, 'image'));
  else if (typeof c.image !== 'string') errs.invalid(at(path, 'image'), c.image);
  else {
    const problem = imageProblem(c.image);
    if (problem) errs.add(at(path, 'image'), `Failed to parse image reference: ${JSON.stringify(c.image)}: ${problem}`);
  }
  checkStringList(c.command, at(path, 'command'), errs);
  checkStringList(c.args, at(path, 'args'), errs);
  if (c.workingDir !== undefined && typeof c.workingDir !== 'string')
    errs.invalid(at(path, 'workingDir'), c.workingDir);
  validatePorts(c.ports, at(path, 'ports'), errs);
  validateResources(c.resources, at(path, 'resources'), errs);
  validateSecurityContext(c.securityContext, at(path, 'securityContext'), errs);
  const tmp = c.terminationMessagePolicy;
  if (tmp !== undefined && tmp !== '' && tmp !== 'File' && tmp !== 'FallbackToLogsOnError')
    errs.invalid(at(path, 'terminationMessagePolicy'), tmp);
  const ipp = c.imagePullPolicy;
  if (ipp !== undefined && ipp !== '' && !['Always', 'Never', 'IfNotPresent'].includes(String(ipp)))
    errs.invalid(at(path, 'imagePullPolicy'), ipp);
  validateVolumeMounts(c.volumeMounts, at(path, 'volumeMounts'), errs, ctx.volumes);
}

/** The serving container: the one that receives requests (Knative's ValidateContainer). */
export function validateServingContainer(c: unknown, path: string, errs: Errs, ctx: ContainerContext): void {
  if (!isObj(c) || setFields(c).length === 0) {
    errs.missing(path);
    return;
  }
  if (Array.isArray(c.ports) && c.ports.length > 1)
    errs.add(at(path, 'ports'), 'more than one container port is set: Only a single port is allowed');
  validateOtherProbe(c.livenessProbe, at(path, 'livenessProbe'), errs, ctx.port);
  validateReadinessProbe(c.readinessProbe, at(path, 'readinessProbe'), errs, ctx.port);
  validateOtherProbe(c.startupProbe, at(path, 'startupProbe'), errs, ctx.port);
  validateCommon(c, path, errs, ctx, false);
}

export function validateSidecarContainer(c: unknown, path: string, errs: Errs, ctx: ContainerContext): void {
  if (!isObj(c) || setFields(c).length === 0) {
    errs.missing(path);
    return;
  }
  if (ctx.features.multiContainerProbing) {
    validateOtherProbe(c.livenessProbe, at(path, 'livenessProbe'), errs, undefined);
    validateReadinessProbe(c.readinessProbe, at(path, 'readinessProbe'), errs, undefined);
  } else {
    for (const f of ['livenessProbe', 'readinessProbe']) {
      const probe = c[f];
      if (isObj(probe)) checkDisallowed(errs, at(path, f), probe, []);
      else if (probe !== undefined && probe !== null) errs.disallowed(at(path, f));
    }
  }
  validateCommon(c, path, errs, ctx, true);
}
