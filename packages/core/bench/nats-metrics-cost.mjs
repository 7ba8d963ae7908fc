// What 1 000 instances reporting once a second cost an autoscaler process (issue 7's benchmark).
// usage: node packages/core/bench/nats-metrics-cost.mjs <nats-url> <autoscaler-pid> [seconds] [ns/revision]
// Needs `npx tsc -p packages/core`. CPU comes from /proc/<pid>/stat: idle window first, then a window
// with 1 000 StatMessages per second on the revision's metrics subject.
import { readFileSync } from 'node:fs';
import { connectNatsBus, subjects } from '../dist/index.js';

const [url, pid, secs = '10', target = 'example/helloworld-00001'] = process.argv.slice(2);
if (!url || !pid) {
  process.stderr.write('usage: nats-metrics-cost.mjs <nats-url> <autoscaler-pid> [seconds] [ns/revision]\n');
  process.exit(2);
}
const [namespace, revision] = target.split('/');
const cpuSeconds = () => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
};
const bus = await connectNatsBus({ servers: url, name: 'metrics-cost' });
async function window(publish) {
  const c0 = cpuSeconds();
  const w0 = Date.now();
  for (let s = 0; s < Number(secs); s++) {
    if (publish) {
      const time = Date.now();
      for (let i = 0; i < 1000; i++)
        bus.publish(subjects.metrics(namespace, revision), {
          namespace,
          revision,
          source: `inst-${i}`,
          averageConcurrency: 0.5,
          requestCount: 3,
          time,
        });
      await bus.flush();
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
  return ((cpuSeconds() - c0) / ((Date.now() - w0) / 1000)) * 100;
}
const idle = await window(false);
const busy = await window(true);
process.stdout.write(
  `autoscaler CPU: idle ${idle.toFixed(2)} % of one core; with 1 000 StatMessages/s ${busy.toFixed(2)} %\n`,
);
await bus.close();
