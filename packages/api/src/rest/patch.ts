import { badRequest } from './status.js';

/** RFC 7386 JSON merge patch: objects merge, `null` deletes, everything else (lists too) replaces. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return structuredClone(patch);
  const out: Record<string, unknown> =
    target !== null && typeof target === 'object' && !Array.isArray(target)
      ? { ...(target as Record<string, unknown>) }
      : {};
  for (const [k, v] of Object.entries(patch as Record<string, unknown>)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

/** kubectl sends strategic merge patches for ConfigMaps; for a ConfigMap that is a merge patch minus `$` directives. */
export function stripDirectives(patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(patch as Record<string, unknown>))
    if (!k.startsWith('$')) out[k] = stripDirectives(v);
  return out;
}

interface Op {
  op: string;
  path: string;
  from?: string;
  value?: unknown;
}

/** RFC 6902 JSON patch (what `kubectl patch --type=json` sends). */
export function jsonPatch(target: unknown, ops: unknown): unknown {
  if (!Array.isArray(ops)) throw badRequest('json patch must be an array of operations');
  let doc = structuredClone(target);
  ops.forEach((raw, i) => {
    const op = raw as Op;
    if (!op || typeof op !== 'object' || typeof op.op !== 'string' || typeof op.path !== 'string')
      throw badRequest(`json patch operation ${i}: needs "op" and "path"`);
    switch (op.op) {
      case 'add':
        doc = put(doc, pointer(op.path, i), structuredClone(op.value), 'add', i);
        break;
      case 'replace':
        get(doc, pointer(op.path, i), i);
        doc = put(doc, pointer(op.path, i), structuredClone(op.value), 'replace', i);
        break;
      case 'remove':
        doc = remove(doc, pointer(op.path, i), i);
        break;
      case 'test':
        if (JSON.stringify(get(doc, pointer(op.path, i), i)) !== JSON.stringify(op.value))
          throw badRequest(`json patch operation ${i}: test failed at "${op.path}"`);
        break;
      case 'copy':
      case 'move': {
        if (typeof op.from !== 'string') throw badRequest(`json patch operation ${i}: "${op.op}" needs "from"`);
        const v = structuredClone(get(doc, pointer(op.from, i), i));
        if (op.op === 'move') doc = remove(doc, pointer(op.from, i), i);
        doc = put(doc, pointer(op.path, i), v, 'add', i);
        break;
      }
      default:
        throw badRequest(`json patch operation ${i}: unknown op "${op.op}"`);
    }
  });
  return doc;
}

function pointer(p: string, i: number): string[] {
  if (p === '') return [];
  if (!p.startsWith('/')) throw badRequest(`json patch operation ${i}: path "${p}" must start with "/"`);
  return p
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function get(doc: unknown, parts: string[], i: number): unknown {
  let cur = doc;
  for (const part of parts) {
    if (cur === null || typeof cur !== 'object' || !(part in (cur as object)))
      throw badRequest(`json patch operation ${i}: path "/${parts.join('/')}" does not exist`);
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

function put(doc: unknown, parts: string[], value: unknown, mode: 'add' | 'replace', i: number): unknown {
  if (parts.length === 0) return value;
  const parent = get(doc, parts.slice(0, -1), i);
  const last = parts[parts.length - 1]!;
  if (Array.isArray(parent)) {
    const idx = last === '-' ? parent.length : Number(last);
    if (!Number.isInteger(idx) || idx < 0 || idx > parent.length)
      throw badRequest(`json patch operation ${i}: bad array index "${last}"`);
    if (mode === 'add') parent.splice(idx, 0, value);
    else parent[idx] = value;
  } else if (parent !== null && typeof parent === 'object') {
    (parent as Record<string, unknown>)[last] = value;
  } else throw badRequest(`json patch operation ${i}: parent of "/${parts.join('/')}" is not a container`);
  return doc;
}

function remove(doc: unknown, parts: string[], i: number): unknown {
  get(doc, parts, i);
  if (parts.length === 0) return undefined;
  const parent = get(doc, parts.slice(0, -1), i) as Record<string, unknown> | unknown[];
  const last = parts[parts.length - 1]!;
  if (Array.isArray(parent)) parent.splice(Number(last), 1);
  else delete parent[last];
  return doc;
}
