// Knative's autoscale-go sample (serving/docs/serving/autoscaling/autoscale-go) as a wasi:http
// component written in JavaScript and built with componentize-js:
//
//   ?sleep=ms    waits that long (wasi:clocks monotonic-clock.subscribe-duration + pollable.block)
//   ?prime=n     computes the largest prime ≤ n (CPU)
//   ?bloat=mb    allocates and touches that many MiB (memory)
//   ?call=name.namespace
//                calls that Kedge service by its cluster-local name
//                (http://name.namespace.svc.cluster.local/ through wasi:http/outgoing-handler) and
//                answers with its status and body; needs `kedge.dev/outbound: cluster-local`
//
// It exports wasi:http/incoming-handler directly (not `addEventListener('fetch', …)`): an instance
// built that way serves many requests, where StarlingMonkey's fetch-event style serves one.
import { subscribeDuration } from 'wasi:clocks/monotonic-clock@0.2.10';
import { handle as send } from 'wasi:http/outgoing-handler@0.2.10';
import { Fields, OutgoingBody, OutgoingRequest, OutgoingResponse, ResponseOutparam } from 'wasi:http/types@0.2.10';

const enc = new TextEncoder();
const dec = new TextDecoder();

/** Upper bounds so one request cannot ask for hours or gigabytes; over them the answer is a 400. */
const LIMITS = { sleep: 60_000, prime: 100_000_000, bloat: 200 };

function intParam(query, name) {
  const raw = query.get(name);
  if (raw === null) return undefined;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n > LIMITS[name])
    throw new BadRequest(`${name}: want an integer from 0 to ${LIMITS[name]}, got "${raw}"`);
  return n;
}

class BadRequest extends Error {}

function sleep(ms) {
  // The host suspends or blocks here; either way this guest's own code does nothing while it waits.
  const pollable = subscribeDuration(BigInt(ms) * 1_000_000n);
  pollable.block();
  pollable[Symbol.dispose]?.();
}

function largestPrime(n) {
  if (n < 2) return undefined;
  // Sieve of Eratosthenes, like autoscale-go's allPrimesBelow.
  const composite = new Uint8Array(n + 1);
  let last = 2;
  for (let i = 2; i <= n; i++) {
    if (composite[i]) continue;
    last = i;
    for (let j = i * i; j <= n; j += i) composite[j] = 1;
  }
  return last;
}

function bloat(mb) {
  const bytes = new Uint8Array(mb * 1024 * 1024);
  // Touch every page so the memory is really taken, not only reserved.
  for (let i = 0; i < bytes.length; i += 4096) bytes[i] = 1;
  return bytes.length;
}

/** Unwraps jco's result encoding: `{ tag: 'ok' | 'err', val }`. */
function ok(result, what) {
  if (result && typeof result === 'object' && 'tag' in result) {
    if (result.tag === 'err') throw new Error(`${what}: ${describe(result.val)}`);
    return result.val;
  }
  return result;
}

function describe(e) {
  if (e && typeof e === 'object' && 'tag' in e)
    return e.val === undefined ? e.tag : `${e.tag} ${JSON.stringify(e.val)}`;
  return String(e);
}

/** GET http://{service}.svc.cluster.local/ and read the whole answer. */
function call(service) {
  const request = new OutgoingRequest(new Fields());
  request.setScheme({ tag: 'HTTP' });
  request.setAuthority(`${service}.svc.cluster.local`);
  request.setPathWithQuery('/');
  let future;
  try {
    future = send(request, undefined);
  } catch (e) {
    throw new Error(`call ${service}: ${describe(e.payload ?? e)}`);
  }
  let answer = future.get();
  if (answer === undefined) {
    const ready = future.subscribe();
    ready.block();
    answer = future.get();
  }
  const response = ok(ok(answer, `call ${service}`), `call ${service}`);
  const status = response.status();
  const body = response.consume();
  const stream = body.stream();
  let text = '';
  for (;;) {
    let chunk;
    try {
      chunk = stream.blockingRead(65536n);
    } catch (e) {
      if ((e.payload ?? e)?.tag === 'closed') break;
      throw e;
    }
    text += dec.decode(chunk, { stream: true });
  }
  return { status, text: text + dec.decode() };
}

function respond(responseOut, status, text) {
  const headers = new Fields();
  headers.append('content-type', enc.encode('text/plain; charset=utf-8'));
  const response = new OutgoingResponse(headers);
  response.setStatusCode(status);
  const body = response.body();
  ResponseOutparam.set(responseOut, { tag: 'ok', val: response });
  const stream = body.write();
  const bytes = enc.encode(text);
  // blocking-write-and-flush takes at most 4096 bytes per call.
  for (let i = 0; i < bytes.length; i += 4096) stream.blockingWriteAndFlush(bytes.subarray(i, i + 4096));
  stream[Symbol.dispose]?.();
  OutgoingBody.finish(body, undefined);
}

export const incomingHandler = {
  handle(request, responseOut) {
    const pathWithQuery = request.pathWithQuery() ?? '/';
    const query = new URLSearchParams(
      pathWithQuery.includes('?') ? pathWithQuery.slice(pathWithQuery.indexOf('?') + 1) : '',
    );
    let lines = [];
    let status = 200;
    try {
      const ms = intParam(query, 'sleep');
      const max = intParam(query, 'prime');
      const mb = intParam(query, 'bloat');
      const service = query.get('call');
      if (service !== null && !/^[a-z0-9-]+\.[a-z0-9-]+$/.test(service))
        throw new BadRequest(`call: want name.namespace of a Kedge service, got "${service}"`);
      if (mb !== undefined) lines.push(`Allocated ${bloat(mb) / (1024 * 1024)} Mb of memory.`);
      if (max !== undefined) {
        const p = largestPrime(max);
        lines.push(
          p === undefined ? `There are no primes smaller than ${max}.` : `The largest prime less than ${max} is ${p}.`,
        );
      }
      if (ms !== undefined) {
        const t0 = Date.now();
        sleep(ms);
        lines.push(`Slept for ${ms} milliseconds (${Date.now() - t0} ms measured).`);
      }
      if (service !== null) {
        const answer = call(service);
        lines.push(`${service} answered ${answer.status}: ${answer.text.trimEnd()}`);
        if (answer.status >= 400) status = 502;
      }
      if (lines.length === 0)
        lines.push('Hello from autoscale-js! Try ?sleep=100, ?prime=10000, ?bloat=5 or ?call=helloworld.example');
    } catch (e) {
      status = e instanceof BadRequest ? 400 : 502;
      lines = [e.message];
    }
    respond(responseOut, status, `${lines.join('\n')}\n`);
  },
};
