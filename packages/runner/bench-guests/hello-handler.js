import { getEnvironment } from 'wasi:cli/environment@0.2.10';
import { Fields, OutgoingResponse, OutgoingBody, ResponseOutparam } from 'wasi:http/types@0.2.10';
const enc = new TextEncoder();
let served = 0;
export const incomingHandler = {
  handle(_request, responseOut) {
    served++;
    const target = getEnvironment().find(([k]) => k === 'TARGET')?.[1] ?? 'World';
    const headers = new Fields();
    headers.append('content-type', enc.encode('text/plain'));
    const response = new OutgoingResponse(headers);
    const body = response.body();
    ResponseOutparam.set(responseOut, { tag: 'ok', val: response });
    const stream = body.write();
    stream.blockingWriteAndFlush(enc.encode(`Hello ${target} from JS (${served})!\n`));
    stream[Symbol.dispose]?.();
    OutgoingBody.finish(body, undefined);
  },
};
