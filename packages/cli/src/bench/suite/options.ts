import { parseDuration, parseIntList } from '../flags.js';

/** What the suite runs and for how long; an unknown flag is an error that lists them all. */
export interface SuiteOptions {
  repeats: number;
  loadMs: number;
  latencyMs: number;
  connections: number;
  coldIterations: number;
  coldSettleMs: number;
  sfzSizes: number[];
  packages: boolean;
  distributed: boolean;
  js: boolean;
  /** Guests that wait and service-to-service (waiting.ts). */
  waiting: boolean;
  /** Only those rows: the rest of docs/benchmarks.md is kept. */
  waitingOnly: boolean;
  /** The Deno edge gateway beside the Node gateway (edge.ts). */
  edge: boolean;
  /** Only those rows: the rest of docs/benchmarks.md is kept. */
  edgeOnly: boolean;
  waitingMs: number;
  waitingDurationMs: number;
  waitingConnections: number[];
  docs: string;
}

const FLAGS =
  '--quick --repeats N --duration 4s --iterations N --settle 1200ms --services 1,5 ' +
  '--no-packages --no-distributed --no-js --no-waiting --waiting-only --no-edge --edge-only ' +
  '--waiting-duration 5s --waiting-connections 1,10,50,200 --docs DIR';

export function parseArgs(argv: string[]): SuiteOptions {
  const o: SuiteOptions = {
    repeats: 3,
    loadMs: 4_000,
    latencyMs: 2_000,
    connections: 50,
    coldIterations: 30,
    coldSettleMs: 1_200,
    sfzSizes: [1, 5, 25],
    packages: true,
    distributed: true,
    js: true,
    waiting: true,
    waitingOnly: false,
    edge: true,
    edgeOnly: false,
    waitingMs: 100,
    waitingDurationMs: 5_000,
    waitingConnections: [1, 10, 50, 200],
    docs: 'docs',
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const next = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a}: missing value`);
      return v;
    };
    if (a === '--quick')
      Object.assign(o, {
        repeats: 1,
        loadMs: 2_000,
        latencyMs: 1_000,
        coldIterations: 10,
        sfzSizes: [1, 5],
        waitingDurationMs: 2_000,
      });
    else if (a === '--repeats') o.repeats = Number(next());
    else if (a === '--duration') o.loadMs = parseDuration(next(), '--duration');
    else if (a === '--iterations') o.coldIterations = Number(next());
    else if (a === '--settle') o.coldSettleMs = parseDuration(next(), '--settle');
    else if (a === '--services') o.sfzSizes = next().split(',').map(Number);
    else if (a === '--no-packages') o.packages = false;
    else if (a === '--no-distributed') o.distributed = false;
    else if (a === '--no-js') o.js = false;
    else if (a === '--no-waiting') o.waiting = false;
    else if (a === '--waiting-only') o.waitingOnly = true;
    else if (a === '--no-edge') o.edge = false;
    else if (a === '--edge-only') o.edgeOnly = true;
    else if (a === '--waiting-duration') o.waitingDurationMs = parseDuration(next(), '--waiting-duration');
    else if (a === '--waiting-connections') o.waitingConnections = parseIntList(next(), '--waiting-connections');
    else if (a === '--docs') o.docs = next();
    else throw new Error(`unknown flag ${a} (flags: ${FLAGS})`);
  }
  return o;
}
