import { parseAllDocuments } from 'yaml';
import { ApiError, badRequest } from './status.js';

/** Manifests are small; a megabyte is far beyond any real Service and bounds what one request can cost. */
export const MAX_BODY_BYTES = 1024 * 1024;
/** Components are larger; this still bounds memory per upload. */
export const MAX_BLOB_BYTES = 64 * 1024 * 1024;

/** Reads the body, refusing as soon as it passes `limit` (a lying or missing Content-Length does not help). */
export async function readBody(req: Request, limit: number): Promise<Uint8Array> {
  const tooLarge = () => new ApiError('RequestEntityTooLarge', `request body too large: the limit is ${limit} bytes`);
  const declared = Number(req.headers.get('content-length') ?? NaN);
  if (Number.isFinite(declared) && declared > limit) throw tooLarge();
  if (!req.body) return new Uint8Array();
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge();
    }
    chunks.push(value);
  }
  const out = new Uint8Array(size);
  let off = 0;
  for (const c of chunks) {
    out.set(c, off);
    off += c.byteLength;
  }
  return out;
}

/** JSON, or YAML when the client says so (one document). The result must be an object. */
export function parseObject(bytes: Uint8Array, contentType: string | null): Record<string, unknown> {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw badRequest('request body is not valid UTF-8');
  }
  if (!text.trim()) throw badRequest('request body is empty; send the object as JSON or YAML');
  const yaml = /yaml/i.test(contentType ?? '');
  let value: unknown;
  if (yaml) {
    const docs = parseAllDocuments(text);
    const list = Array.isArray(docs) ? docs : [docs];
    const first = list[0];
    if (list.length !== 1 || !first) throw badRequest(`expected one YAML document, got ${list.length}`);
    if (first.errors.length) throw badRequest(`malformed YAML: ${first.errors[0]!.message.split('\n')[0]}`);
    try {
      // toJS refuses alias expansion past maxAliasCount (a "billion laughs" body): the client's fault.
      value = first.toJS();
    } catch (err) {
      throw badRequest(`malformed YAML: ${(err as Error).message.split('\n')[0]}`);
    }
  } else {
    try {
      value = JSON.parse(text);
    } catch (err) {
      throw badRequest(`malformed JSON: ${(err as Error).message}`);
    }
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw badRequest(
      `request body must be a JSON object, got ${value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value}`,
    );
  return value as Record<string, unknown>;
}

/** For patches the body may be an array (JSON patch). */
export function parseJson(bytes: Uint8Array): unknown {
  const text = new TextDecoder().decode(bytes);
  if (!text.trim()) throw badRequest('request body is empty');
  try {
    return JSON.parse(text);
  } catch (err) {
    throw badRequest(`malformed JSON: ${(err as Error).message}`);
  }
}
