// Kedge's live dashboard: plain JavaScript served by the API (no build step). It reads the API with
// list + watch (Kubernetes' newline-delimited watch events) and the statistics stream
// /apis/kedge.dev/v1/stats?watch=1. Everything it shows from the API goes in as text (textContent),
// never as markup, and links are only http(s): a service's name or status cannot run script here.

const TOKEN_KEY = 'kedge.token';
const ROW_HEIGHT = 28;
const SERVICE_LABEL = 'serving.knative.dev/service';
const CHART_SECONDS = 300;

const state = {
  token: sessionStorage.getItem(TOKEN_KEY) ?? '',
  services: new Map(),
  revisions: new Map(),
  /** revision key → samples [time, ready, desired, rps, p50, p99, errors/s] */
  stats: new Map(),
  coldStarts: [],
  events: [],
  selected: location.hash.length > 1 ? decodeURIComponent(location.hash.slice(1)) : '',
  filter: '',
  /** Streams open with the current token; aborted when the token changes. */
  abort: new AbortController(),
  /** Skew between the server's clock (sample times) and this browser's. */
  skewMs: 0,
};

const $ = (id) => document.getElementById(id);

class Unauthorized extends Error {}

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'text') e.textContent = String(v);
    else e.setAttribute(k, String(v));
  }
  for (const c of children) if (c !== undefined && c !== null) e.append(c);
  return e;
}

function svg(tag, attrs = {}) {
  const e = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  return e;
}

const key = (o) => `${o.metadata.namespace}/${o.metadata.name}`;

/** Only same-origin requests, the token (when given) in the Authorization header, never cookies. */
async function api(path, signal) {
  const headers = { accept: 'application/json' };
  if (state.token) headers.authorization = `Bearer ${state.token}`;
  const res = await fetch(path, { headers, signal, credentials: 'omit', cache: 'no-store', redirect: 'error' });
  if (res.status === 401) throw new Unauthorized(await res.text());
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
  return res;
}

/** Reads a newline-delimited JSON stream, one callback per line, until it ends. */
async function readLines(res, onLine) {
  const reader = res.body.getReader();
  const dec = new TextDecoder();
  let buf = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buf += dec.decode(value, { stream: true });
    let nl;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      if (line.trim()) onLine(JSON.parse(line));
    }
  }
}

const sleep = (ms, signal) =>
  new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(t);
        resolve();
      },
      { once: true },
    );
  });

const connections = new Map();
function setConn(name, ok) {
  connections.set(name, ok);
  const bad = [...connections].filter(([, v]) => !v).map(([k]) => k);
  $('conn').textContent = bad.length ? `reconnecting (${bad.join(', ')})…` : 'live';
  $('conn').className = bad.length ? 'conn bad' : 'conn ok';
}

function needToken(message) {
  $('token-form').hidden = false;
  $('token-error').textContent = state.token ? 'That token was refused.' : '';
  $('conn').textContent = 'needs the API token';
  $('conn').className = 'conn bad';
  if (message) console.debug(message);
}

/** List, then watch from the list's resourceVersion; on any end or error, again after a pause. */
async function listWatch(name, path, map, signal) {
  while (!signal.aborted) {
    try {
      const list = await (await api(path, signal)).json();
      map.clear();
      for (const o of list.items) map.set(key(o), o);
      changed();
      setConn(name, true);
      const rv = encodeURIComponent(list.metadata.resourceVersion);
      const res = await api(`${path}?watch=1&resourceVersion=${rv}`, signal);
      let expired = false;
      await readLines(res, (ev) => {
        if (ev.type === 'ERROR') return void (expired = true);
        if (ev.type === 'DELETED') map.delete(key(ev.object));
        else map.set(key(ev.object), ev.object);
        changed();
      });
      if (expired) continue;
    } catch (err) {
      if (signal.aborted) return;
      if (err instanceof Unauthorized) return needToken(err.message);
      setConn(name, false);
    }
    await sleep(1000, signal);
  }
}

async function statsWatch(signal) {
  while (!signal.aborted) {
    try {
      const res = await api('/apis/kedge.dev/v1/stats?watch=1', signal);
      setConn('stats', true);
      await readLines(res, (ev) => {
        const o = ev.object;
        if (ev.type === 'SNAPSHOT') {
          state.skewMs = Date.now() - o.time;
          state.stats = new Map(o.revisions.map((r) => [`${r.namespace}/${r.revision}`, r.samples]));
          state.coldStarts = o.coldStarts;
          state.events = o.events;
        } else if (ev.type === 'TICK') {
          state.skewMs = Date.now() - o.time;
          const horizon = o.time - CHART_SECONDS * 1000;
          for (const s of o.samples) {
            const k = `${s.namespace}/${s.revision}`;
            const list = state.stats.get(k) ?? [];
            list.push(s.sample);
            while (list.length && list[0][0] < horizon) list.shift();
            state.stats.set(k, list);
          }
        } else if (ev.type === 'COLDSTART') {
          state.coldStarts.push(o);
          state.coldStarts.splice(0, Math.max(0, state.coldStarts.length - 100));
        } else if (ev.type === 'EVENT') {
          state.events.push(o);
          state.events.splice(0, Math.max(0, state.events.length - 100));
        }
        changed();
      });
    } catch (err) {
      if (signal.aborted) return;
      if (err instanceof Unauthorized) return needToken(err.message);
      setConn('stats', false);
    }
    await sleep(1000, signal);
  }
}

function connect() {
  state.abort.abort();
  state.abort = new AbortController();
  const { signal } = state.abort;
  connections.clear();
  $('forget').hidden = !state.token;
  void listWatch('services', '/apis/serving.knative.dev/v1/services', state.services, signal);
  void listWatch('revisions', '/apis/serving.knative.dev/v1/revisions', state.revisions, signal);
  void statsWatch(signal);
}

// ---- derived values ----

/** The newest sample if it is from the last few seconds; a quiet revision sends none. */
function current(revKey) {
  const list = state.stats.get(revKey);
  const last = list?.at(-1);
  const serverNow = Date.now() - state.skewMs;
  if (!last || last[0] < serverNow - 2500) return { ready: 0, desired: 0, rps: 0, p50: null, p99: null, errors: 0 };
  return { ready: last[1], desired: last[2], rps: last[3], p50: last[4], p99: last[5], errors: last[6] };
}

/** Per service: summed replicas and rate, the worst p99 — over its revisions. */
function serviceNow(revs) {
  let ready = 0;
  let rps = 0;
  let p99 = null;
  for (const r of revs) {
    const c = current(key(r));
    ready += c.ready;
    rps += c.rps;
    if (c.p99 !== null) p99 = Math.max(p99 ?? 0, c.p99);
  }
  return { ready, rps, p99 };
}

function condition(o, type) {
  return o.status?.conditions?.find((c) => c.type === type);
}

function readyText(o) {
  const c = condition(o, 'Ready');
  return c ? (c.status === 'True' ? 'Ready' : c.status === 'False' ? c.reason || 'NotReady' : 'Unknown') : '–';
}

const fmt = (v, digits = 1) => (v === null || v === undefined ? '–' : Number(v).toFixed(digits));
const timeText = (ms) => new Date(ms + state.skewMs).toLocaleTimeString();

function safeLink(url) {
  try {
    const u = new URL(url);
    if (u.protocol === 'http:' || u.protocol === 'https:')
      return el('a', { href: u.href, rel: 'noopener noreferrer', target: '_blank', text: url });
  } catch {}
  return el('span', { text: url ?? '' });
}

// ---- rendering ----

let scheduled = false;
function changed() {
  if (scheduled) return;
  scheduled = true;
  requestAnimationFrame(() => {
    scheduled = false;
    render();
  });
}

let revsByService = new Map();
function indexRevisions() {
  revsByService = new Map();
  for (const r of state.revisions.values()) {
    const svc = r.metadata.labels?.[SERVICE_LABEL];
    if (!svc) continue;
    const k = `${r.metadata.namespace}/${svc}`;
    if (!revsByService.has(k)) revsByService.set(k, []);
    revsByService.get(k).push(r);
  }
}

function visibleServices() {
  const f = state.filter.toLowerCase();
  const all = [...state.services.values()];
  const shown = f ? all.filter((s) => key(s).toLowerCase().includes(f)) : all;
  return shown.sort((a, b) => key(a).localeCompare(key(b)));
}

function render() {
  indexRevisions();
  const shown = visibleServices();
  $('count').textContent = `${shown.length} of ${state.services.size} services`;
  let replicas = 0;
  let rps = 0;
  for (const s of state.services.values()) {
    const n = serviceNow(revsByService.get(key(s)) ?? []);
    replicas += n.ready;
    rps += n.rps;
  }
  $('summary').textContent =
    `${state.services.size} services · ${state.revisions.size} revisions · ${replicas} replicas · ${fmt(rps)} req/s`;
  renderList(shown);
  renderDetail();
  renderEvents();
}

/** Only the rows in view exist in the DOM: 500 services cost as much as 20. */
function renderList(shown) {
  const list = $('list');
  const spacer = $('spacer');
  spacer.style.height = `${shown.length * ROW_HEIGHT}px`;
  const first = Math.max(0, Math.floor(list.scrollTop / ROW_HEIGHT) - 5);
  const count = Math.ceil(list.clientHeight / ROW_HEIGHT) + 10;
  const rows = [];
  for (let i = first; i < Math.min(shown.length, first + count); i++) {
    const s = shown[i];
    const k = key(s);
    const n = serviceNow(revsByService.get(k) ?? []);
    const row = el(
      'div',
      {
        class: `row${k === state.selected ? ' selected' : ''}`,
        'data-key': k,
        'data-testid': 'service-row',
        role: 'button',
        tabindex: 0,
      },
      el('span', { text: s.metadata.name, title: s.metadata.name }),
      el('span', { text: s.metadata.namespace }),
      el('span', { class: `ready ${readyText(s) === 'Ready' ? 'ok' : 'bad'}`, text: readyText(s) }),
      el('span', { class: 'num', text: n.ready }),
      el('span', { class: 'num', text: fmt(n.rps) }),
      el('span', { class: 'num', text: fmt(n.p99) }),
    );
    row.style.top = `${i * ROW_HEIGHT}px`;
    rows.push(row);
  }
  spacer.replaceChildren(...rows);
}

function renderDetail() {
  const box = $('detail');
  const svc = state.services.get(state.selected);
  if (!svc) {
    box.replaceChildren(
      el('p', { class: 'hint', text: state.selected ? `${state.selected} is gone.` : 'Select a service.' }),
    );
    return;
  }
  const revs = revsByService.get(state.selected) ?? [];
  const n = serviceNow(revs);
  const ready = condition(svc, 'Ready');
  const traffic = svc.status?.traffic ?? [];
  const revNames = new Set(revs.map((r) => r.metadata.name));
  const colds = state.coldStarts
    .filter((c) => c.namespace === svc.metadata.namespace && revNames.has(c.revision))
    .slice(-10)
    .reverse();
  const parts = [
    el(
      'h2',
      { text: `${svc.metadata.name}`, 'data-testid': 'detail-name' },
      el('small', { text: ` ${svc.metadata.namespace}` }),
    ),
    el('p', {}, safeLink(svc.status?.url)),
    ready && ready.status !== 'True'
      ? el('p', { class: 'error', text: `${ready.reason ?? ''} ${ready.message ?? ''}` })
      : null,
    el(
      'div',
      { class: 'tiles' },
      tile('replicas', n.ready, 'replicas'),
      tile('req/s', fmt(n.rps), 'rps'),
      tile('p50 ms', fmt(maxOf(revs, 'p50')), 'p50'),
      tile('p99 ms', fmt(n.p99), 'p99'),
    ),
    el('h3', { text: 'Replicas, last 5 minutes' }),
    chart(revs, 1, 'replicas-chart'),
    el('h3', { text: 'Requests per second' }),
    chart(revs, 3, 'rps-chart'),
    el('h3', { text: 'Traffic' }),
    table(
      ['revision', 'percent', 'tag', 'url'],
      traffic.map((t) => [t.revisionName ?? '', `${t.percent ?? 0}%`, t.tag ?? '', t.url ? safeLink(t.url) : '']),
      'traffic',
    ),
    el('h3', { text: 'Revisions' }),
    table(
      ['revision', 'ready', 'replicas', 'desired', 'req/s', 'p50 ms', 'p99 ms', 'created'],
      revs.map((r) => {
        const c = current(key(r));
        return [
          r.metadata.name,
          readyText(r),
          c.ready,
          c.desired,
          fmt(c.rps),
          fmt(c.p50),
          fmt(c.p99),
          r.metadata.creationTimestamp ?? '',
        ];
      }),
      'revisions',
    ),
    el('h3', { text: 'Cold starts' }),
    colds.length
      ? table(
          ['time', 'revision', 'held ms', 'poke → ready ms', 'total ms', 'status'],
          colds.map((c) => [
            timeText(c.time),
            c.revision,
            fmt(c.holdMs, 2),
            fmt(c.pokeToReadyMs, 2),
            fmt(c.totalMs, 2),
            c.status,
          ]),
          'cold-starts',
        )
      : el('p', { class: 'hint', text: 'None seen since the API started.' }),
  ];
  box.replaceChildren(...parts.filter((p) => p !== null));
}

function maxOf(revs, field) {
  let v = null;
  for (const r of revs) {
    const c = current(key(r))[field];
    if (c !== null) v = Math.max(v ?? 0, c);
  }
  return v;
}

function tile(label, value, id) {
  return el(
    'div',
    { class: 'tile' },
    el('span', { class: 'value', text: value, 'data-testid': id }),
    el('span', { text: label }),
  );
}

function table(head, rows, id) {
  return el(
    'table',
    { 'data-testid': id },
    el('thead', {}, el('tr', {}, ...head.map((h) => el('th', { text: h })))),
    el(
      'tbody',
      {},
      ...rows.map((r) => el('tr', {}, ...r.map((c) => (c instanceof Node ? el('td', {}, c) : el('td', { text: c }))))),
    ),
  );
}

const COLOURS = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2'];

/** A step chart of one sample field per revision over the last CHART_SECONDS; missing seconds are zero. */
function chart(revs, field, id) {
  // The drawing's own units are the pane's pixels, so the chart fills it without stretching its text.
  const w = Math.max(320, $('detail').clientWidth - 26);
  const h = 110;
  const pad = 24;
  const end = Date.now() - state.skewMs;
  const start = end - CHART_SECONDS * 1000;
  const series = revs.map((r) => ({
    name: r.metadata.name,
    samples: (state.stats.get(key(r)) ?? []).filter((s) => s[0] >= start),
  }));
  let max = 1;
  for (const s of series) for (const p of s.samples) max = Math.max(max, p[field]);
  const x = (t) => pad + ((t - start) / (end - start)) * (w - pad - 4);
  const y = (v) => h - 14 - (v / max) * (h - 24);
  const root = svg('svg', { viewBox: `0 0 ${w} ${h}`, class: 'chart', 'data-testid': id, role: 'img' });
  root.append(svg('line', { x1: pad, y1: y(0), x2: w - 4, y2: y(0), class: 'axis' }));
  const top = svg('text', { x: 2, y: y(max) + 4, class: 'label' });
  top.textContent = field === 1 ? String(max) : fmt(max);
  const zero = svg('text', { x: 2, y: y(0) + 4, class: 'label' });
  zero.textContent = '0';
  const ago = svg('text', { x: pad, y: h - 2, class: 'label' });
  ago.textContent = `−${CHART_SECONDS / 60} min`;
  const now = svg('text', { x: w - 4, y: h - 2, class: 'label', 'text-anchor': 'end' });
  now.textContent = 'now';
  root.append(top, zero, ago, now);
  series.forEach((s, i) => {
    if (!s.samples.length) return;
    const pts = [];
    let prevT = start;
    let prevV = 0;
    for (const p of s.samples) {
      // A gap of more than two seconds is a quiet stretch: the value was zero.
      if (p[0] - prevT > 2000 && prevV !== 0) {
        pts.push([prevT + 1000, prevV], [prevT + 1000, 0]);
        prevV = 0;
      }
      pts.push([p[0], prevV], [p[0], p[field]]);
      prevT = p[0];
      prevV = p[field];
    }
    if (end - prevT > 2000 && prevV !== 0) {
      pts.push([prevT + 1000, prevV], [prevT + 1000, 0]);
      prevV = 0;
    }
    pts.push([end, prevV]);
    const line = svg('polyline', {
      points: pts.map(([t, v]) => `${x(t).toFixed(1)},${y(v).toFixed(1)}`).join(' '),
      stroke: COLOURS[i % COLOURS.length],
    });
    const title = svg('title');
    title.textContent = s.name;
    line.append(title);
    root.append(line);
  });
  return root;
}

function renderEvents() {
  const items = [...state.events].slice(-50).reverse();
  $('events').replaceChildren(
    ...items.map((e) =>
      el(
        'li',
        { 'data-testid': 'event' },
        el('time', { text: timeText(e.time) }),
        el('span', { class: 'reason', text: e.reason }),
        el('span', { text: `${e.namespace}/${e.revision}` }),
        el('span', { class: 'message', text: e.message }),
      ),
    ),
  );
}

// ---- input ----

function select(k) {
  state.selected = k;
  history.replaceState(null, '', `#${encodeURIComponent(k)}`);
  render();
}

$('list').addEventListener('scroll', () => changed());
$('list').addEventListener('click', (e) => {
  const row = e.target.closest('.row[data-key]');
  if (row) select(row.dataset.key);
});
$('list').addEventListener('keydown', (e) => {
  const row = e.target.closest?.('.row[data-key]');
  if (row && (e.key === 'Enter' || e.key === ' ')) {
    e.preventDefault();
    select(row.dataset.key);
  }
});
$('filter').addEventListener('input', (e) => {
  state.filter = e.target.value;
  $('list').scrollTop = 0;
  changed();
});
$('token-form').addEventListener('submit', (e) => {
  e.preventDefault();
  state.token = $('token').value.trim();
  $('token').value = '';
  sessionStorage.setItem(TOKEN_KEY, state.token);
  $('token-form').hidden = true;
  connect();
});
$('forget').addEventListener('click', () => {
  sessionStorage.removeItem(TOKEN_KEY);
  state.token = '';
  connect();
});
// Charts move with time even when nothing arrives.
setInterval(changed, 1000);

connect();
