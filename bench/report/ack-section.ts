import { describeMessageLag } from '../message-lag.js';
import { appLabel, PHASE_OPENING_MS, type AckPhase } from '../ack-latency/ack-phase.js';
import type { AckLatencyResult } from '../ack-latency/measure-ack-latency.js';
import { ackLatencyTables, ms } from './format-figures.js';

const pct = (part: number | undefined, whole: number) => (part === undefined ? '—' : `${Math.round((part / whole) * 100)}%`);

/**
 * Who else held the CPUs while the answering process waited for one: the load driver, the bench process (the
 * Slack and Kubernetes emulators), Redis and work outside the bench, each as a share of one core.
 */
function otherHolders(p: AckPhase): string {
  const f = p.process;
  const holders = [
    ['load driver', f.driverCpuS],
    ['bench and emulators', f.benchCpuS],
    ['Redis', f.redisCpuS],
    ['outside the bench', f.othersCpuS],
  ] as const;
  const known = holders.filter(([, cpuS]) => cpuS !== undefined).map(([name, cpuS]) => `${name} ${pct(cpuS, f.wallS)}`);
  return known.length === 0 ? '' : `: ${known.join(', ')} of a core`;
}

/** One line per flightdeck request kind: both layouts' p99 next to what their processes did. */
function perRequestLines(ack: AckLatencyResult): string[] {
  const flightdeck = ack.phases.filter((p) => p.app === 'flightdeck');
  const paths = [...new Set(flightdeck.map((p) => p.path))];
  return paths.map((path) => {
    const described = flightdeck
      .filter((p) => p.path === path)
      .map((p) => {
        const { process: f } = p;
        const cpu = p.layout !== undefined && f.workerCpuS !== undefined ? `web ${pct(f.webCpuS, f.wallS)} + worker ${pct(f.workerCpuS, f.wallS)} of a core` : `${pct(f.webCpuS, f.wallS)} of a core`;
        const waited = f.webRunQueueWaitMs === undefined ? '' : `, its event loop waited ${ms(f.webRunQueueWaitMs)} ms for a CPU`;
        const gc = f.gcMs === undefined ? '' : `, ${ms(f.gcMs)} ms in GC pauses`;
        const delay = f.eventLoopDelayMaxMs === undefined ? '' : `, event-loop delay up to ${ms(f.eventLoopDelayMaxMs)} ms`;
        return `\`${p.layout}\` p99 ${ms(p.stats.p99)} ms (${cpu}${waited}${gc}${delay}; machine ${Math.round(f.machineBusyPercent ?? 0)}% busy${otherHolders(p)})`;
      });
    return `  - ${path}: ${described.join('; ')}.`;
  });
}

/** The worker share of layout `all`'s CPU, read from the split layout's two processes during the same kind of phase. */
function workerShareLines(ack: AckLatencyResult): string[] {
  const split = ack.phases.filter((p) => p.layout === 'web + worker' && p.process.workerCpuS !== undefined && p.process.webCpuS !== undefined);
  const busiest = [...split].sort((a, b) => (b.process.workerCpuS ?? 0) - (a.process.workerCpuS ?? 0))[0];
  if (!busiest) return [];
  const share = (p: AckPhase) => (p.process.workerCpuS ?? 0) / ((p.process.workerCpuS ?? 0) + (p.process.webCpuS ?? 1));
  return [
    `- **Workers on the same event loop** (role \`all\`). The split layout shows how the work divides: during ${busiest.path} the`,
    `  worker process used ${pct(busiest.process.workerCpuS, busiest.process.wallS)} of a core and the web process ${pct(busiest.process.webCpuS, busiest.process.wallS)}, so ${Math.round(share(busiest) * 100)}% of`,
    '  that work is posting and editing run messages (BullMQ job handling, rendering, Slack Web API calls), not answering',
    '  Slack. In role `all` that work runs on the event loop that answers, and an ack that arrives behind a batch of',
    '  renders waits for it.',
  ];
}

/** The load driver's own lateness: if it sent late, latencies it measured would include its own stalls. */
function driverLines(ack: AckLatencyResult): string[] {
  const worst = [...ack.phases].sort((a, b) => b.maxSendLagMs - a.maxSendLagMs)[0];
  if (!worst) return [];
  return [
    `- **The load driver** sent every request at most ${ms(worst.maxSendLagMs)} ms after it was due (worst phase: ${appLabel(worst)} ${worst.path});`,
    '  latency runs from the due time, so a late send counts as the app\'s latency, and this bounds what the driver itself can',
    '  have added to any request.',
  ];
}

/** Machine contention: the process answering was ready but the CPUs were taken (by anything). */
function contentionLines(ack: AckLatencyResult): string[] {
  const measured = ack.phases.filter((p) => p.process.webRunQueueWaitMs !== undefined && p.process.machineBusyPercent !== undefined);
  if (measured.length === 0) return [];
  const worst = [...measured].sort((a, b) => (b.process.webRunQueueWaitMs ?? 0) - (a.process.webRunQueueWaitMs ?? 0))[0] as AckPhase;
  const busy = measured.map((p) => Math.round(p.process.machineBusyPercent ?? 0));
  const outsideShares = measured.flatMap((p) => (p.process.othersCpuS === undefined ? [] : [p.process.othersCpuS / p.process.wallS]));
  const outside =
    outsideShares.length === 0
      ? []
      : [`  Processes outside this bench (other work on the machine) used ${Math.round(Math.min(...outsideShares) * 100)}–${Math.round(Math.max(...outsideShares) * 100)}% of a core per phase.`];
  return [
    `- **CPU contention on this machine.** All its CPUs together were ${Math.min(...busy)}–${Math.max(...busy)}% busy during the phases (every process:`,
    '  the load driver, the bench process with the emulators, Redis, flightdeck, bare Bolt and anything else running).',
    ...outside,
    `  The worst case: during ${appLabel(worst)} ${worst.path}, the answering process's event loop was ready to run`,
    `  but waited ${ms(worst.process.webRunQueueWaitMs)} ms in total for a CPU (${pct((worst.process.webRunQueueWaitMs ?? 0) / 1000, worst.process.wallS)} of the phase). Every such wait delays every`,
    '  request that arrives meanwhile, for bare Bolt as much as for flightdeck (its rows), so compare layouts and apps on',
    '  phases with similar outside load.',
  ];
}

/** For the requests that make the workers busy: does taking the workers out of the answering process shorten the tail? */
function layoutLines(ack: AckLatencyResult): string[] {
  const lines: string[] = [];
  const busyPaths = [...new Set(ack.phases.filter((p) => p.layout === 'web + worker' && (p.process.workerCpuS ?? 0) / p.process.wallS >= 0.1).map((p) => p.path))];
  for (const path of busyPaths) {
    const all = ack.phases.find((p) => p.layout === 'all' && p.path === path);
    const split = ack.phases.find((p) => p.layout === 'web + worker' && p.path === path);
    if (!all || !split) continue;
    const outside = (p: AckPhase) => (p.process.othersCpuS === undefined ? '' : `, other work on the machine ${pct(p.process.othersCpuS, p.process.wallS)} of a core`);
    const verdict =
      split.stats.p99 < all.stats.p99
        ? 'shorter with the workers in their own process'
        : 'not shorter with the workers in their own process: the worker still took its CPU from the same cores, scheduled by the kernel instead of interleaved by the event loop';
    lines.push(
      `  - ${path}: p99 ${ms(all.stats.p99)} ms in \`all\` (event-loop delay up to ${ms(all.process.eventLoopDelayMaxMs)} ms${outside(all)}) against ${ms(split.stats.p99)} ms in`,
      `    \`web + worker\` (web process event-loop delay up to ${ms(split.process.eventLoopDelayMaxMs)} ms${outside(split)}): ${verdict}.`,
    );
  }
  if (lines.length === 0) return [];
  return [
    '- **Layouts compared** on the requests that keep the workers busy (worker process over 10% of a core):',
    ...lines,
    '  The Helm chart runs `web` and `worker` as separate Deployments, each pod with its own CPU request',
    '  (`helm/flightdeck/values.yaml`): there the web pods\' event loops do only the answering, as in the `web + worker` rows.',
  ];
}

function gcLines(ack: AckLatencyResult): string[] {
  const measured = ack.phases.filter((p) => p.process.gcMs !== undefined);
  if (measured.length === 0) return [];
  const worst = [...measured].sort((a, b) => (b.process.gcMs ?? 0) / b.process.wallS - (a.process.gcMs ?? 0) / a.process.wallS)[0] as AckPhase;
  const pauses = worst.process.gcPauses;
  return [
    `- **Garbage collection.** At most ${pct((worst.process.gcMs ?? 0) / 1000, worst.process.wallS)} of a phase went to GC pauses: ${ms(worst.process.gcMs)} ms during ${appLabel(worst)} ${worst.path}`,
    `  (\`nodejs_gc_duration_seconds\`${pauses ? `, ${pauses} pauses, ${ms((worst.process.gcMs ?? 0) / pauses)} ms on average` : ''}). Each pause stalls every request in flight,`,
    '  and on a busy machine the GC threads wait for a CPU too.',
  ];
}

/** CPU milliseconds per request of the answering process: the request path's own cost, next to bare Bolt's. */
function requestCostLines(ack: AckLatencyResult): string[] {
  const cost = (p: AckPhase | undefined) => (p?.process.webCpuS === undefined ? undefined : (p.process.webCpuS * 1000) / p.sent);
  const find = (app: AckPhase['app'], layout: AckPhase['layout'], path: string) => ack.phases.find((p) => p.app === app && p.layout === layout && p.path === path);
  const rows: [string, AckPhase | undefined][] = [
    ['bare Bolt slash command', find('bare Bolt', undefined, 'slash command')],
    ['`/deploy help` (web process)', find('flightdeck', 'web + worker', '/deploy help')],
    ['`/deploy` creating a run (web process)', find('flightdeck', 'web + worker', '/deploy (creates a run)')],
    ['bare Bolt click', find('bare Bolt', undefined, 'button click')],
    ['first tick (web process)', find('flightdeck', 'web + worker', 'button click (first tick)')],
    ['replayed click (web process)', find('flightdeck', 'web + worker', 'button click (same delivery replayed)')],
  ];
  const measured = rows.filter(([, p]) => cost(p) !== undefined).map(([label, p]) => `${label} ${ms(cost(p))} ms`);
  if (measured.length === 0) return [];
  return [
    '- **The request path itself.** CPU per request of the process that answers (its CPU seconds over the phase divided by',
    `  the requests; the split layout's web process does nothing else): ${measured.join(', ')}. Beyond bare Bolt, flightdeck`,
    '  adds Redis round trips (the delivery claim, the run script), logging a line per command, and a BullMQ enqueue.',
  ];
}

/** With `--cpu-prof`: where the answering process's wall time went in each phase, by activity. */
function profileLines(ack: AckLatencyResult): string[] {
  const profiled = ack.phases.filter((p) => p.profile);
  if (profiled.length === 0) return [];
  return [
    '- **CPU profiles** of the answering process (`--cpu-prof`; the profiler adds its own overhead to these phases), wall',
    '  time by activity (a sample counts for the first of: logging, workers, Slack HTTP clients, answering Slack, run store,',
    '  Redis client whose code is on its stack):',
    ...profiled.map((p) => `  - ${appLabel(p)} ${p.path}: ${p.profile!.activity.filter((a) => a.percent >= 1).map((a) => `${a.activity} ${a.percent.toFixed(0)}%`).join(', ')} (\`${p.profile!.path}\`)`),
  ];
}

/**
 * Section 1 of BENCHMARKS.md: how the ack latency was measured, the figures of both flightdeck layouts and
 * bare Bolt, and what bounds the tail, with every number taken from `ack`.
 */
export function ackSection(ack: AckLatencyResult | undefined): string[] {
  const head = ['## 1. Ack latency', ''];
  if (!ack) return [...head, 'Not run by this command.', ''];
  const click = ack.phases.find((p) => p.path === 'button click (first tick)');
  const loop = Math.round(ack.rate / 100);
  return [
    ...head,
    `Each phase sends ${ack.rate} signed requests/s for ${ack.durationS} s, open loop (request *i* is due at start + *i*/rate whether or not`,
    'earlier ones have answered), from a separate load-driver process over keep-alive HTTP on loopback. Latency runs from the',
    'time a request was due to the last byte of the answer, so a stalled app or driver cannot hide its queue. Bodies are built',
    'once, exactly as Slack sends them (each with its own response URL), and signed with the current timestamp when sent.',
    'The phases run one after another, so no two apps are measured at once; all were warmed up with `/deploy help` first.',
    'flightdeck runs as built (`dist/src/cli.js serve`, `LOG_LEVEL=info`, default `WORKER_CONCURRENCY`) in two layouts, each',
    'measured on every kind of request, back to back: **`all`**, one process with the web role and the workers, and',
    '**`web + worker`**, a `web` process answering Slack and a separate `worker` process, as the Helm chart deploys them. The',
    'workers post and edit the run messages in the Slack emulator during the phases; before the next phase starts they have',
    'caught up, so no phase inherits another\'s backlog. Both use one Redis started for the bench, under separate key prefixes.',
    'The baseline is a Bolt `App` on `HTTPReceiver` with the same signing secret whose command and action listeners only `ack()`.',
    '',
    ...ackLatencyTables(ack),
    '',
    `- **/deploy (creates a run)**: ${ack.phases.find((p) => p.path === '/deploy (creates a run)')?.sent ?? 0} distinct services, each typed in its own channel, so no two`,
    '  requests meet on a lock; every answer was checked to be "Run #n: deploying …". The runs use the e2e checklist, so',
    '  they wait at their first manual item and the cluster is not touched during this measurement.',
    `- **button click (first tick)**: "Done: CI is green" on a different run per request (${click?.sent ?? 0} runs created above),`,
    '  a real tick: compare-and-set write of the run with its audit entry and render ask. **button click (repeated, refused)**: a new',
    '  click (fresh trigger id) on each ticked item; the state machine refuses it and the refusal is posted to the response',
    '  URL after the ack. **button click (same delivery replayed)**: the first-tick bodies sent again byte for byte, as a',
    '  Slack redelivery; the "what was checked" column says how flightdeck handled them.',
    '- **/deploy help (Socket Mode)**: one more flightdeck in layout `all` with `SLACK_APP_TOKEN`, sent the same command as',
    '  envelopes over its WebSocket at the same rate; the Slack emulator delivers them from the bench process itself (no separate',
    '  driver), and latency runs from the due time to the ack reaching it. Its ratio is against the bare Bolt app over HTTP.',
    `- **p99 first ${PHASE_OPENING_MS / 1000} s / after**: the p99 of the requests due in the phase's first ${PHASE_OPENING_MS / 1000} s, and of the rest. A phase that`,
    '  creates runs or ticks them hands the workers a burst of new jobs as it opens, and each phase runs its request kind for the',
    '  first time in that process: a tail that sits in the opening comes from what the phase starts, not from its steady state.',
    '- The second table is read from the processes during each phase: CPU seconds per wall second from `/proc/<pid>/stat`;',
    '  "waited for a CPU" is the run-queue time of the main thread (`/proc/<pid>/task/<pid>/schedstat`); event-loop delay',
    "  and GC pauses from the answering flightdeck process's own `/metrics` (`nodejs_eventloop_lag_*`: intervals between ticks",
    '  of a 10 ms timer, so 10 ms means no delay; reset by a scrape at the start of the phase; `nodejs_gc_duration_seconds`);',
    '  CPUs busy from `/proc/stat`; other work on the machine is that minus the CPU time of the bench and every process it started.',
    '  The load driver\'s CPU is what the bench process\'s exited children used during the phase (the driver is the only one),',
    '  "bench and emulators" the bench process itself (the Slack and Kubernetes emulators run in it), Redis its server process:',
    '  with the answering and worker processes, the CPUs a waiting event loop can have waited for.',
    '- **Message lag**: after the phases that change runs, every run message must show its run as stored in Redis; the lag',
    "  runs from the run's last change (`updatedAt`) to the Slack write after which the message showed it for good, and a",
    '  message later than its bound (MESSAGE_LAG_BOUND_MS + a reconcile interval + a render claim + one channel turn) fails the phase:',
    ...ack.messageLags.map((lag) => `  - ${lag.layout}, ${lag.phase}: ${describeMessageLag(lag.figures)}.`),
    ...ack.deployments.map(
      (d) =>
        `- flightdeck (${d.layout}) peak RSS over the whole ack run: ${Math.round(d.peakRssMiB.web ?? 0)} MiB${d.peakRssMiB.worker === undefined ? '' : ` (web), ${Math.round(d.peakRssMiB.worker)} MiB (worker)`}; exit codes on SIGTERM: ${d.exitCodes.join(', ')}.`,
    ),
    '',
    'What bounds the tail:',
    `- **Open loop.** Requests keep arriving while the event loop is stalled, ${loop} per 10 ms at ${ack.rate}/s, and each waits for the`,
    `  stall to end. The p99 is the wait *L* at which the stalls, counting only their part beyond *L*, add up to 1% of the phase`,
    `  (${ms(ack.durationS * 10)} ms of ${ack.durationS} s): the median shows the cost of one request, the p99 how long the event loop was unavailable at a stretch.`,
    '  Per request and layout:',
    ...perRequestLines(ack),
    ...workerShareLines(ack),
    ...layoutLines(ack),
    ...contentionLines(ack),
    ...driverLines(ack),
    ...gcLines(ack),
    ...requestCostLines(ack),
    ...profileLines(ack),
    '',
  ];
}
