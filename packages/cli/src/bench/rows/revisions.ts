import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { collectLocalImages, readManifests, uploadLocalImages } from '../../manifests.js';
import { targetOfService, waitServiceReady } from '../kedge.js';
import { runBounded } from '../package-benches.js';
import type { SuiteContext } from '../suite/context.js';
import type { KedgeUp } from './kedge-up.js';

/**
 * The other runtimes' hello services on the suite's `kedge up`, for their cold-start rows: a process
 * revision, a container revision (podman), the JS guest. One that does not become Ready is named as not
 * measured; the rows of the others run.
 */
export async function applyOtherRevisions(ctx: SuiteContext, kedge: KedgeUp): Promise<void> {
  const { client } = kedge;
  try {
    const [doc] = await readManifests(join(ctx.root, 'examples/helloworld-node/service.yaml'));
    await client.create(doc!.object);
    const svc = await waitServiceReady(client, doc!.object.metadata.namespace, doc!.object.metadata.name, 60_000);
    kedge.processTarget = await targetOfService(client, svc.metadata.namespace, svc.metadata.name);
  } catch (err) {
    ctx.missing('the process revision (examples/helloworld-node)', err);
  }
  try {
    // The container row needs podman and the example's local image (examples/helloworld-go/build.sh).
    const [doc] = await readManifests(join(ctx.root, 'examples/helloworld-go/service.yaml'));
    doc!.object.metadata.namespace = 'example';
    await client.create(doc!.object);
    const svc = await waitServiceReady(client, 'example', doc!.object.metadata.name, 60_000);
    kedge.containerTarget = await targetOfService(client, svc.metadata.namespace, svc.metadata.name);
  } catch (err) {
    ctx.missing(
      'the container revision (examples/helloworld-go on podman; build it with examples/helloworld-go/build.sh)',
      err,
    );
  }
  if (!ctx.opts.js) return;
  try {
    await jsGuest(ctx);
    const docs = await readManifests(join(ctx.root, 'packages/cli/bench-scenarios/hello-js.yaml'));
    await uploadLocalImages(await collectLocalImages(docs), client.uploadBlob);
    for (const d of docs) await client.create(d.object);
    const svc = await waitServiceReady(client, 'example', 'hello-js', 120_000);
    kedge.jsTarget = await targetOfService(client, svc.metadata.namespace, svc.metadata.name);
  } catch (err) {
    ctx.missing('the JS (componentize-js / SpiderMonkey) hello', err);
  }
}

/**
 * The JS hello guest (componentize-js), built once by the runner's bench-guests script into
 * bench-out/js-guests (~25 s and ~0.8 GB per guest, so it is cached there, not rebuilt every run).
 */
async function jsGuest(ctx: SuiteContext): Promise<void> {
  const dir = join(ctx.outDir, 'js-guests');
  const file = join(dir, 'hello-handler.wasm');
  if (existsSync(file)) return;
  const script = join(ctx.root, 'packages/runner/bench-guests/build.mjs');
  if (!existsSync(script)) throw new Error(`${script} not found`);
  ctx.log('building the JS hello guests (componentize-js, once; cached in bench-out/js-guests)');
  const { code, output } = await runBounded(process.execPath, [script, dir], ctx.root, process.env, 240_000);
  if (code !== 0 || !existsSync(file))
    throw new Error(`bench-guests/build.mjs failed (exit ${code}): ${output.slice(-300)}`);
}
