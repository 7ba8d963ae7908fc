import { ResultError } from './errors.js';
import { InputStream, OutputStream, Pollable, type BodyMore, type ByteSink } from './io.js';

type Method = { tag: string; val?: string };
type Scheme = { tag: 'HTTP' | 'HTTPS' | 'other'; val?: string };
type ErrorCode = { tag: string; val?: unknown };
type FieldEntry = [string, Uint8Array];

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const METHODS = new Set(['get', 'head', 'post', 'put', 'delete', 'connect', 'options', 'trace', 'patch']);

export function methodVariant(method: string): Method {
  const m = method.toLowerCase();
  return METHODS.has(m) && method === method.toUpperCase() ? { tag: m } : { tag: 'other', val: method };
}

export function methodName(m: Method): string {
  return m.tag === 'other' ? String(m.val) : m.tag.toUpperCase();
}

const headerError = (tag: 'invalid-syntax' | 'forbidden' | 'immutable') => new ResultError({ tag });

/** wasi:http/types fields: header names are case-insensitive and kept lower-cased. */
export class Fields {
  private list: FieldEntry[] = [];
  private immutable = false;

  static fromList(entries: FieldEntry[]): Fields {
    const f = new Fields();
    for (const [name, value] of entries) f.append(name, value);
    return f;
  }

  /** Host side: a frozen copy (request headers, a response's headers once it is built). */
  static frozen(entries: FieldEntry[]): Fields {
    const f = new Fields();
    f.list = entries.map(([k, v]) => [k.toLowerCase(), v]);
    f.immutable = true;
    return f;
  }

  private mutable(name: string): string {
    if (this.immutable) throw headerError('immutable');
    if (!TOKEN.test(name)) throw headerError('invalid-syntax');
    return name.toLowerCase();
  }

  get(name: string): Uint8Array[] {
    const n = name.toLowerCase();
    return this.list.filter(([k]) => k === n).map(([, v]) => v);
  }
  has(name: string): boolean {
    const n = name.toLowerCase();
    return this.list.some(([k]) => k === n);
  }
  set(name: string, values: Uint8Array[]): void {
    const n = this.mutable(name);
    this.list = this.list.filter(([k]) => k !== n).concat(values.map((v) => [n, v] as FieldEntry));
  }
  delete(name: string): void {
    const n = this.mutable(name);
    this.list = this.list.filter(([k]) => k !== n);
  }
  append(name: string, value: Uint8Array): void {
    this.list.push([this.mutable(name), value]);
  }
  entries(): FieldEntry[] {
    return this.list.map(([k, v]) => [k, v]);
  }
  clone(): Fields {
    const f = new Fields();
    f.list = this.entries();
    return f;
  }
  freeze(): this {
    this.immutable = true;
    return this;
  }
}

class FutureTrailers {
  subscribe(): Pollable {
    return new Pollable();
  }
  get() {
    return { tag: 'ok', val: { tag: 'ok', val: undefined } };
  }
}

export class IncomingBody {
  private streamTaken = false;
  constructor(
    private readonly bytes: Uint8Array,
    private readonly more?: BodyMore,
  ) {}
  stream(): InputStream {
    if (this.streamTaken) throw new ResultError(undefined);
    this.streamTaken = true;
    return new InputStream(this.bytes, this.more);
  }
  static finish(_body: IncomingBody): FutureTrailers {
    return new FutureTrailers();
  }
}

export interface IncomingRequestInit {
  method: string;
  pathWithQuery: string;
  scheme: 'http' | 'https';
  authority: string;
  headers: FieldEntry[];
  /** The body's first bytes; `more` pulls the rest (absent when that was all). */
  body: Uint8Array;
  more?: BodyMore;
}

export class IncomingRequest {
  private consumed = false;
  private readonly fields: Fields;
  constructor(private readonly init: IncomingRequestInit) {
    this.fields = Fields.frozen(init.headers);
  }
  method(): Method {
    return methodVariant(this.init.method);
  }
  pathWithQuery(): string {
    return this.init.pathWithQuery;
  }
  scheme(): Scheme {
    return { tag: this.init.scheme === 'https' ? 'HTTPS' : 'HTTP' };
  }
  authority(): string {
    return this.init.authority;
  }
  headers(): Fields {
    return this.fields;
  }
  consume(): IncomingBody {
    if (this.consumed) throw new ResultError(undefined);
    this.consumed = true;
    return new IncomingBody(this.init.body, this.init.more);
  }
}

/** Where the guest's response goes (the worker turns these into messages to the main thread). */
export interface ResponseSink {
  head(status: number, headers: FieldEntry[]): void;
  chunk(bytes: Uint8Array): void;
  end(): void;
  fail(message: string): void;
  readonly open: boolean;
}

/** Body bytes written before the response is handed over wait here; after that they stream. */
class BodyPipe implements ByteSink {
  private buffered: Uint8Array[] = [];
  private sink: ResponseSink | undefined;
  finished = false;
  get open(): boolean {
    return !this.finished && (this.sink ? this.sink.open : true);
  }
  write(bytes: Uint8Array): void {
    if (this.sink) this.sink.chunk(bytes);
    else this.buffered.push(bytes.slice());
  }
  attach(sink: ResponseSink): void {
    this.sink = sink;
    for (const b of this.buffered) sink.chunk(b);
    this.buffered = [];
    if (this.finished) sink.end();
  }
  finish(): void {
    this.finished = true;
    this.sink?.end();
  }
  /** An outgoing request's body: everything written so far (it is sent when the guest waits). */
  take(): Uint8Array {
    const out = new Uint8Array(this.buffered.reduce((n, b) => n + b.length, 0));
    let at = 0;
    for (const b of this.buffered) {
      out.set(b, at);
      at += b.length;
    }
    this.buffered = [];
    return out;
  }
}

export class OutgoingBody {
  private writeTaken = false;
  constructor(readonly pipe: BodyPipe) {}
  write(): OutputStream {
    if (this.writeTaken) throw new ResultError(undefined);
    this.writeTaken = true;
    return new OutputStream(this.pipe);
  }
  static finish(body: OutgoingBody, _trailers: Fields | undefined): void {
    body.pipe.finish();
  }
}

export class OutgoingResponse {
  private status = 200;
  private bodyTaken = false;
  readonly pipe = new BodyPipe();
  constructor(private readonly fields: Fields) {
    fields.freeze();
  }
  statusCode(): number {
    return this.status;
  }
  setStatusCode(code: number): void {
    if (code < 100 || code > 599) throw new ResultError(undefined);
    this.status = code;
  }
  headers(): Fields {
    return this.fields;
  }
  body(): OutgoingBody {
    if (this.bodyTaken) throw new ResultError(undefined);
    this.bodyTaken = true;
    return new OutgoingBody(this.pipe);
  }
}

export class ResponseOutparam {
  used = false;
  constructor(readonly sink: ResponseSink) {}
  static set(
    param: ResponseOutparam,
    response: { tag: 'ok'; val: OutgoingResponse } | { tag: 'err'; val: ErrorCode },
  ): void {
    if (param.used) throw new Error('response-outparam.set called twice');
    param.used = true;
    if (response.tag === 'err') {
      param.sink.fail(
        `guest answered with error-code ${JSON.stringify(response.val, (_k, v) => (typeof v === 'bigint' ? String(v) : v))}`,
      );
      return;
    }
    const r = response.val;
    param.sink.head(r.statusCode(), r.headers().entries());
    r.pipe.attach(param.sink);
  }
}

// --- outbound (wasi:http/outgoing-handler) ---------------------------------------------------

export class RequestOptions {
  private timeouts: Record<string, bigint | undefined> = {};
  connectTimeout() {
    return this.timeouts.connect;
  }
  setConnectTimeout(d: bigint | undefined) {
    this.timeouts.connect = d;
  }
  firstByteTimeout() {
    return this.timeouts.firstByte;
  }
  setFirstByteTimeout(d: bigint | undefined) {
    this.timeouts.firstByte = d;
  }
  betweenBytesTimeout() {
    return this.timeouts.between;
  }
  setBetweenBytesTimeout(d: bigint | undefined) {
    this.timeouts.between = d;
  }
}

export class OutgoingRequest {
  private m: Method = { tag: 'get' };
  private path: string | undefined;
  private sch: Scheme | undefined;
  private auth: string | undefined;
  private bodyTaken = false;
  readonly bodyPipe = new BodyPipe();
  constructor(private readonly fields: Fields) {
    fields.freeze();
  }
  body(): OutgoingBody {
    if (this.bodyTaken) throw new ResultError(undefined);
    this.bodyTaken = true;
    return new OutgoingBody(this.bodyPipe);
  }
  method() {
    return this.m;
  }
  setMethod(m: Method) {
    this.m = m;
  }
  pathWithQuery() {
    return this.path;
  }
  setPathWithQuery(p: string | undefined) {
    this.path = p;
  }
  scheme() {
    return this.sch;
  }
  setScheme(s: Scheme | undefined) {
    this.sch = s;
  }
  authority() {
    return this.auth;
  }
  setAuthority(a: string | undefined) {
    this.auth = a;
  }
  headers() {
    return this.fields;
  }
}

export class IncomingResponse {
  constructor(
    private readonly code: number,
    private readonly fields: Fields,
    private readonly bytes: Uint8Array,
  ) {}
  status() {
    return this.code;
  }
  headers() {
    return this.fields;
  }
  consume(): IncomingBody {
    return new IncomingBody(this.bytes);
  }
}

type OutboundResult = { tag: 'ok'; val: IncomingResponse } | { tag: 'err'; val: ErrorCode };

/**
 * The request is sent when the guest first waits for the answer (get, or its pollable): by then
 * it has usually written and finished the body, which wasi:http lets it do after `handle`. A
 * synchronous guest's thread blocks while it is sent; an asynchronous one gets a Promise (`get` is
 * one of its suspending imports, so a guest that calls it without polling first waits too).
 */
export class FutureIncomingResponse {
  private result: OutboundResult | undefined;
  private pending: Promise<void> | undefined;
  private taken = false;
  constructor(private readonly send: () => OutboundResult | Promise<OutboundResult>) {}
  private start(): void | Promise<void> {
    if (this.result || this.pending) return this.pending;
    const r = this.send();
    if (!(r instanceof Promise)) {
      this.result = r;
      return;
    }
    return (this.pending = r.then((v) => {
      this.result = v;
      this.pending = undefined;
    }));
  }
  subscribe(): Pollable {
    void this.start();
    return new Pollable({ ready: () => this.result !== undefined, wait: () => this.start() });
  }
  get(): unknown {
    if (this.taken) return { tag: 'err', val: undefined };
    if (!this.result) {
      const p = this.start();
      if (p) return p.then(() => this.get());
    }
    this.taken = true;
    return { tag: 'ok', val: this.result };
  }
}

/** What the host hands to whoever performs an outbound request for a guest. */
export interface OutboundRequest {
  method: string;
  url: string;
  headers: [string, string][];
  body: Uint8Array;
}

export type OutboundReply =
  | { status: number; headers: [string, string][]; body: Uint8Array }
  | { error: string; message?: string };

/** Turns a guest's outgoing-request into a plain one and the performer's reply into wasi:http values. */
export function outboundVia(
  perform: (req: OutboundRequest) => OutboundReply | Promise<OutboundReply>,
): OutboundHandler {
  return (req) =>
    new FutureIncomingResponse(() => {
      const scheme = req.scheme();
      const proto = !scheme || scheme.tag === 'HTTP' ? 'http' : scheme.tag === 'HTTPS' ? 'https' : String(scheme.val);
      const authority = req.authority();
      if (!authority) return { tag: 'err', val: { tag: 'HTTP-request-URI-invalid' } };
      const dec = new TextDecoder();
      const reply = perform({
        method: methodName(req.method()),
        url: `${proto}://${authority}${req.pathWithQuery() ?? '/'}`,
        headers: req
          .headers()
          .entries()
          .map(([k, v]) => [k, dec.decode(v)]),
        body: req.bodyPipe.take(),
      });
      return reply instanceof Promise ? reply.then(toResult) : toResult(reply);
    });
}

function toResult(reply: OutboundReply): OutboundResult {
  if ('error' in reply)
    return {
      tag: 'err',
      val: reply.message !== undefined ? { tag: reply.error, val: reply.message } : { tag: reply.error },
    };
  const enc = new TextEncoder();
  return {
    tag: 'ok',
    val: new IncomingResponse(
      reply.status,
      Fields.frozen(reply.headers.map(([k, v]) => [k, enc.encode(v)])),
      reply.body,
    ),
  };
}

/** How an instance may reach out: the default denies every outbound request. */
export type OutboundHandler = (req: OutgoingRequest) => FutureIncomingResponse;

export const denyOutbound: OutboundHandler = () => {
  throw new ResultError({ tag: 'HTTP-request-denied' });
};

export function httpImports(outbound: OutboundHandler) {
  return {
    'wasi:http/types': {
      Fields,
      IncomingRequest,
      IncomingBody,
      FutureTrailers,
      OutgoingResponse,
      OutgoingBody,
      ResponseOutparam,
      OutgoingRequest,
      RequestOptions,
      IncomingResponse,
      FutureIncomingResponse,
      httpErrorCode: () => undefined,
    },
    'wasi:http/outgoing-handler': {
      handle: (req: OutgoingRequest, _opts: RequestOptions | undefined) => outbound(req),
    },
  };
}
