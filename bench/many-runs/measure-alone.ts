import { measureManyRuns } from './measure-many-runs.js';

// The many-runs measurement on its own, printed as JSON, without rewriting BENCHMARKS.md:
// `npx tsx bench/many-runs/measure-alone.ts RUNS CHANNELS [TIMEOUT_S] [WORKERS]` (needs `npm run build` first);
// BENCH_SLACK_CALL_LOG=path also writes every Slack call of the window there.
const [runs = 200, channels = Math.ceil(runs / 10), timeoutS = 600, workers = 2] = process.argv.slice(2).map(Number);
const log = (line: string) => process.stderr.write(`[many-runs ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
const result = await measureManyRuns({ runs, workers, workerConcurrency: Math.min(Math.ceil(runs / workers), 256), channels, readyDelayMs: 50, timeoutS, cpuProfDir: undefined, slackCallLog: process.env.BENCH_SLACK_CALL_LOG, log });
const { kubernetes: _k, cpuProfile: _p, ...shown } = result;
process.stdout.write(`${JSON.stringify(shown, null, 2)}\n`);
