import { access, readFile } from 'node:fs/promises';
import { basename, dirname, isAbsolute, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { KINDS, isWasmComponent, imageWithDigest, lookupKind, parseImageDigest, type AnyResource } from '@kedge/core';

/** One object read from a manifest, with where it came from for error messages. */
export interface ManifestDoc {
  source: string;
  index: number;
  object: AnyResource;
  /** Directory relative paths in the object are resolved against. */
  baseDir: string;
}

export class ManifestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ManifestError';
  }
}

async function readSource(file: string): Promise<{ text: string; baseDir: string; source: string }> {
  if (file === '-') {
    const chunks: Buffer[] = [];
    for await (const c of process.stdin) chunks.push(c as Buffer);
    return { text: Buffer.concat(chunks).toString('utf8'), baseDir: process.cwd(), source: '<stdin>' };
  }
  try {
    return { text: await readFile(file, 'utf8'), baseDir: dirname(resolve(file)), source: file };
  } catch (err) {
    throw new ManifestError(`${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
}

/** Parses multi-document YAML (JSON is YAML); fails naming the file, the document and the cause. */
export async function readManifests(file: string): Promise<ManifestDoc[]> {
  const { text, baseDir, source } = await readSource(file);
  const docs = parseAllDocuments(text);
  const out: ManifestDoc[] = [];
  let index = 0;
  for (const doc of Array.isArray(docs) ? docs : [docs]) {
    index++;
    if (doc.errors.length > 0) {
      const e = doc.errors[0]!;
      throw new ManifestError(`${source}: document ${index}: malformed YAML: ${e.message.split('\n')[0]}`);
    }
    const value = doc.toJS() as unknown;
    if (value === null || value === undefined) continue;
    if (typeof value !== 'object' || Array.isArray(value))
      throw new ManifestError(`${source}: document ${index}: expected an object with apiVersion, kind and metadata`);
    const obj = value as Partial<AnyResource>;
    const where = `${source}: document ${index}`;
    if (!obj.kind) throw new ManifestError(`${where}: kind: missing field(s)`);
    const info = lookupKind(obj.kind);
    if (!info || info.kind !== obj.kind)
      throw new ManifestError(
        `${where}: kind: unknown kind "${obj.kind}" (expected one of ${Object.values(KINDS)
          .map((k) => k.kind)
          .join(', ')})`,
      );
    if (!obj.apiVersion) throw new ManifestError(`${where}: apiVersion: missing field(s)`);
    if (obj.apiVersion !== info.apiVersion)
      throw new ManifestError(
        `${where}: apiVersion: "${obj.apiVersion}" is not served for kind ${obj.kind} (use ${info.apiVersion})`,
      );
    if (!obj.metadata?.name) throw new ManifestError(`${where}: metadata.name: missing field(s)`);
    obj.metadata.namespace ||= 'default';
    out.push({ source, index, object: obj as AnyResource, baseDir });
  }
  if (out.length === 0) throw new ManifestError(`${source}: no objects found`);
  return out;
}

interface ContainerRef {
  path: string;
  container: { image?: unknown };
}

function containersOf(obj: AnyResource): ContainerRef[] {
  const spec = (obj as { spec?: Record<string, unknown> }).spec;
  if (!spec) return [];
  const direct = obj.kind === 'Revision' ? { prefix: 'spec', s: spec } : undefined;
  const tmpl = (spec.template as { spec?: Record<string, unknown> } | undefined)?.spec;
  const where = direct ?? (tmpl ? { prefix: 'spec.template.spec', s: tmpl } : undefined);
  const list = where?.s.containers;
  if (!where || !Array.isArray(list)) return [];
  return list.map((c, i) => ({ path: `${where.prefix}.containers[${i}].image`, container: c as { image?: unknown } }));
}

/** A `.wasm` image names a local file: it is checked now, uploaded later, before anything is stored. */
export interface LocalImage {
  doc: ManifestDoc;
  ref: ContainerRef;
  file: string;
  bytes: Uint8Array;
}

export async function collectLocalImages(docs: ManifestDoc[]): Promise<LocalImage[]> {
  const out: LocalImage[] = [];
  for (const doc of docs) {
    for (const ref of containersOf(doc.object)) {
      const image = ref.container.image;
      if (typeof image !== 'string' || !image.endsWith('.wasm') || parseImageDigest(image)) continue;
      const file = isAbsolute(image) ? image : resolve(doc.baseDir, image);
      const where = `${doc.source}: document ${doc.index} (${doc.object.kind} ${doc.object.metadata.namespace}/${doc.object.metadata.name}): ${ref.path}`;
      try {
        await access(file);
      } catch {
        throw new ManifestError(
          `${where}: component file ${file} not found (paths are relative to the manifest; run \`npm run build\` for the examples)`,
        );
      }
      const bytes = new Uint8Array(await readFile(file));
      if (!isWasmComponent(bytes))
        throw new ManifestError(
          `${where}: ${file} is not a WebAssembly component (a core module or another file); build it as a wasi:http/proxy component`,
        );
      out.push({ doc, ref, file, bytes });
    }
  }
  return out;
}

/** Uploads each local component and rewrites its image to `<file>@sha256:…`. */
export async function uploadLocalImages(
  images: LocalImage[],
  upload: (b: Uint8Array) => Promise<{ digest: string }>,
): Promise<void> {
  for (const img of images) {
    const { digest } = await upload(img.bytes);
    img.ref.container.image = imageWithDigest(basename(img.file), digest);
  }
}
