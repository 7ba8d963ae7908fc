import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));
/** The repository root (this file is packages/runner/{src,dist}/testing/podman.*). */
const ROOT = resolve(here, '../../../..');

/** Knative's helloworld-go sample (examples/helloworld-go). */
export const HELLOWORLD_GO_SRC = join(ROOT, 'examples/helloworld-go');
/** A server whose /?bloat=N allocates N MiB (memory-limit tests). */
export const BLOAT_GO_SRC = join(ROOT, 'packages/runner/src/testing/bloat-go');

/** Fails loudly when the engine the container tests need is not installed or does not work. */
export async function requirePodman(): Promise<void> {
  try {
    await run('podman', ['version', '--format', '{{.Client.Version}}']);
  } catch (err) {
    throw new Error(
      `podman is required for the container tests (bash .ci/run installs podman, runc, catatonit): ${(err as Error).message}`,
    );
  }
  try {
    await run('go', ['version']);
  } catch (err) {
    throw new Error(
      `go is required to build the container tests' images (apt-get install golang-go): ${(err as Error).message}`,
    );
  }
}

/**
 * Builds the Go program in `src` (main package, go.mod) into a `FROM scratch` image named `name`,
 * offline — what examples/helloworld-go/build.sh does.
 */
export async function buildGoImage(src: string, name: string): Promise<string> {
  const work = await mkdtemp(join(tmpdir(), 'kedge-go-image-'));
  try {
    const files = (await run('ls', [src])).stdout.split('\n').filter((f) => f.endsWith('.go') || f === 'go.mod');
    for (const f of files) await copyFile(join(src, f), join(work, f));
    await run('go', ['build', '-trimpath', '-ldflags=-s -w', '-o', 'app', '.'], {
      cwd: work,
      env: {
        ...process.env,
        CGO_ENABLED: '0',
        GOFLAGS: '-mod=mod',
        GOCACHE: process.env.GOCACHE ?? join(tmpdir(), 'kedge-go-cache'),
      },
    });
    await writeFile(join(work, 'Containerfile'), 'FROM scratch\nCOPY app /app\nENTRYPOINT ["/app"]\n');
    await run('podman', ['build', '--quiet', '--runtime', 'runc', '-t', name, '-f', join(work, 'Containerfile'), work]);
    return name;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** Removes images (by name) and any container still based on them. */
export async function removeImages(...names: string[]): Promise<void> {
  for (const name of names) {
    const ps = await run('podman', ['ps', '--all', '--quiet', '--filter', `ancestor=${name}`]).catch(() => ({
      stdout: '',
    }));
    const ids = ps.stdout.split('\n').filter(Boolean);
    if (ids.length) await run('podman', ['rm', '--force', '--time', '0', ...ids]).catch(() => undefined);
    await run('podman', ['rmi', '--force', name]).catch(() => undefined);
  }
}

/** Containers (running or not) carrying every one of the labels, e.g. `kedge.dev/node=node-x`. */
export async function containersLabelled(...labels: string[]): Promise<string[]> {
  // podman ANDs label filters (other keys of the same name it ORs).
  const filters = labels.flatMap((label) => ['--filter', `label=${label}`]);
  const r = await run('podman', ['ps', '--all', '--format', '{{.Names}}', ...filters]);
  return r.stdout.split('\n').filter(Boolean);
}
