import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { measureAckLatency, type AckLatencyResult } from './ack-latency/measure-ack-latency.js';
import { measureBreachToRollback, type BreachToRollbackResult } from './breach/measure-breach-to-rollback.js';
import { manyRunsPass, parseBenchOptions, type BenchOptions } from './bench-options.js';
import { machineInfo } from './machine-info.js';
import { describeMessageLag } from './message-lag.js';
import { manyRunsFailures } from './many-runs/many-runs-failures.js';
import { measureManyRuns, type ManyRunsResult } from './many-runs/measure-many-runs.js';
import { measureRecovery, type RecoveryResult } from './recovery/measure-recovery.js';
import { measureRedisMemory } from './redis-memory/measure-redis-memory.js';
import { consoleSummary } from './report/format-figures.js';
import { recoverySection, writeRecoverySection } from './report/recovery-section.js';
import { runsSection, writeRunsSection } from './report/runs-section.js';
import { switchBackSection, writeSwitchBackSection } from './report/switch-back-section.js';
import { writeBenchmarksMd } from './report/write-benchmarks-md.js';
import { measureSwitchBack, type SwitchBackResult } from './switch-back/measure-switch-back.js';

// `npm run bench`: builds flightdeck, measures issue 7's figures one after another and rewrites BENCHMARKS.md.
// Deliberately outside `npm test`: the figures depend on the machine, and tests must not assert on timing.

const REPO = resolve(import.meta.dirname, '..');
const args = process.argv.slice(2);
const log = (line: string) => process.stdout.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);

let options: BenchOptions;
try {
  options = parseBenchOptions(args.filter((arg) => arg !== '--skip-build'), process.env);
} catch (err) {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exit(2);
}

if (!args.includes('--skip-build')) {
  log('building flightdeck (tsc -p tsconfig.build.json)');
  // The benchmark measures the process an operator runs, so it refuses to measure a tree that does not compile.
  const build = spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: REPO, stdio: 'inherit' });
  if (build.status !== 0) {
    process.stderr.write('the build failed; fix it (or pass --skip-build to measure the dist/ already there)\n');
    process.exit(1);
  }
}

if (options.only === 'redis-memory') {
  // Issue 13's Redis bound: figures for RELIABILITY.md, printed as JSON; BENCHMARKS.md is left alone.
  const result = await measureRedisMemory({ runs: 20_000, refusals: 100_000, log });
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  process.exit(0);
}

const startedAt = new Date();
const machine = machineInfo();
let ack: AckLatencyResult | undefined;
const runsSeries: ManyRunsResult[] = [];
if (options.only === 'all' || options.only === 'ack') ack = await measureAckLatency({ rate: options.rate, durationS: options.durationS, cpuProfDir: options.cpuProfDir, log });
if (options.only === 'all' || options.only === 'runs') {
  // One pass per size, each with its own Redis, emulators and flightdeck processes, so no pass inherits another's state.
  for (const size of options.runs) {
    const pass = manyRunsPass(options, size);
    const startedPass = Date.now();
    log(`many runs: pass of ${size} runs (${pass.channels} channels, ${options.workers} workers × WORKER_CONCURRENCY ${pass.workerConcurrency}, limit ${pass.timeoutS} s)`);
    runsSeries.push(
      await measureManyRuns({ ...pass, workers: options.workers, readyDelayMs: options.readyDelayMs, cpuProfDir: options.cpuProfDir, redisMonitor: options.redisMonitor, log }),
    );
    log(`many runs: pass of ${size} runs took ${Math.round((Date.now() - startedPass) / 1000)} s in all (start and stop included)`);
  }
}
// The detail is the largest pass's; the growth table has every pass.
const runs = runsSeries.reduce<ManyRunsResult | undefined>((largest, pass) => (largest && largest.runs >= pass.runs ? largest : pass), undefined);
let breach: BreachToRollbackResult | undefined;
if (options.only === 'all') breach = measureBreachToRollback({ runs: options.profile === 'quick' ? 20 : 50, repo: REPO, log });
let switchBack: SwitchBackResult | undefined;
if (options.only === 'all' || options.only === 'switch-back') switchBack = await measureSwitchBack({ runs: options.switchBackRuns, log });
let recovery: RecoveryResult | undefined;
if (options.only === 'all' || options.only === 'recovery') {
  recovery = await measureRecovery({ runs: options.recoveryRuns, locksMs: options.recoveryLocksMs, readyDelayMs: options.recoveryReadyDelayMs, log });
}
if (ack || runs) process.stdout.write(`\n${consoleSummary(ack, runs, runsSeries)}`);
if (breach) log(`breach to rollback over ${breach.runs} runs: p50 ${breach.windowEndToPatchMs.p50} ms, p99 ${breach.windowEndToPatchMs.p99} ms from the end of the guard window`);
if (switchBack) log(`blue-green switch-back over ${switchBack.runs} runs: p50 ${Math.round(switchBack.breachToSwitchBackMs.p50)} ms, p99 ${Math.round(switchBack.breachToSwitchBackMs.p99)} ms from the breach`);
// A message that does not show its run within its bound is a broken promise, not a slow figure: the phase fails;
// so does a many-runs pass whose runs did not all end.
const lagFailures = [
  ...(ack?.messageLags ?? []).filter((l) => l.figures.overBound > 0).map((l) => `ack latency, ${l.layout}, ${l.phase}: ${describeMessageLag(l.figures)}`),
  ...runsSeries.flatMap((pass) => manyRunsFailures(pass)),
];
for (const failure of lagFailures) log(`FAILED ${failure}`);
if (lagFailures.length > 0) process.exitCode = 1;
if (options.write) {
  const benchEnv = Object.entries(process.env).filter(([key]) => key.startsWith('BENCH_')).map(([key, value]) => `${key}=${value}`);
  const command = [...benchEnv, 'npm run bench', ...(args.length > 0 ? ['--', ...args] : [])].join(' ');
  const path = join(REPO, 'BENCHMARKS.md');
  // Measured alone, recovery, switch-back and many runs replace only their own section: the others keep the figures and command that produced them.
  if (options.only === 'recovery' && recovery) writeRecoverySection(path, recoverySection(recovery, { command, startedAt, machine }));
  else if (options.only === 'switch-back' && switchBack) writeSwitchBackSection(path, switchBackSection(switchBack, { command, startedAt, machine }));
  else if (options.only === 'runs') writeRunsSection(path, runsSection(runs, runsSeries, { command, startedAt, machine }));
  else writeBenchmarksMd(path, { command, startedAt, machine, options, ack, runs, runsSeries, breach, switchBack, recovery });
  log('wrote BENCHMARKS.md');
}
