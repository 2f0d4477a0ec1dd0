import { describe, expect, it } from 'vitest';
import { manyRunsPass, parseBenchOptions } from '../../bench/bench-options.js';

const parse = (...argv: string[]) => parseBenchOptions(argv, {});

describe('bench options: many runs', () => {
  it('takes --runs as one size or a comma list, one pass each in the order given', () => {
    expect(parse('--runs', '300').runs).toEqual([300]);
    expect(parse('--runs', '1000,3000,10000').runs).toEqual([1000, 3000, 10000]);
    expect(parseBenchOptions([], { BENCH_RUNS: '100, 300' }).runs).toEqual([100, 300]);
  });

  it('defaults to one pass of the profile size', () => {
    expect(parse().runs).toEqual([1000]);
    expect(parse('--quick').runs).toEqual([200]);
  });

  it.each(['', '100,', '0', '100,0', '1e3', 'ten'])('refuses --runs "%s" with the usage', (raw) => {
    expect(() => parse('--runs', raw)).toThrow(/--runs must be whole numbers >= 1, comma-separated[\s\S]*usage:/);
  });

  it('monitors Redis only when --redis-monitor asks, since MONITOR slows it', () => {
    expect(parse().redisMonitor).toBe(false);
    expect(parse('--only', 'runs', '--redis-monitor').redisMonitor).toBe(true);
    expect(parse('--redis-monitor').redisMonitor).toBe(true);
    expect(() => parse('--only', 'ack', '--redis-monitor')).toThrow(/--redis-monitor counts the commands of the many-runs passes: use it with --only runs[\s\S]*usage:/);
  });

  it('runs two worker processes unless --workers or BENCH_WORKERS says otherwise', () => {
    expect(parse().workers).toBe(2);
    expect(parse('--workers', '3').workers).toBe(3);
    expect(parseBenchOptions(['--workers', '4'], { BENCH_WORKERS: '1' }).workers).toBe(4);
    expect(() => parse('--workers', '0')).toThrow(/--workers must be a whole number >= 1/);
  });

  it('keeps ten runs per channel at every size by default', () => {
    const options = parse('--runs', '1000,3000,10000');
    expect(options.runs.map((runs) => manyRunsPass(options, runs).channels)).toEqual([100, 300, 1000]);
  });

  it('keeps the runs per channel of the first pass when --channels is given', () => {
    const options = parse('--runs', '100,300', '--channels', '5');
    expect(options.runs.map((runs) => manyRunsPass(options, runs).channels)).toEqual([5, 15]);
    expect(manyRunsPass(parse('--runs', '3', '--channels', '10'), 3).channels).toBe(10);
  });

  it("gives each worker its share of the runs up to flightdeck's cap, or --concurrency", () => {
    const options = parse('--runs', '100,1000');
    expect(manyRunsPass(options, 100).workerConcurrency).toBe(50);
    expect(manyRunsPass(options, 1000).workerConcurrency).toBe(256);
    expect(manyRunsPass(parse('--runs', '101', '--workers', '2'), 101).workerConcurrency).toBe(51);
    expect(manyRunsPass(parse('--runs', '1000', '--concurrency', '64'), 1000).workerConcurrency).toBe(64);
    expect(() => parse('--concurrency', '257')).toThrow(/WORKER_CONCURRENCY up to 256/);
  });

  it('grows the time limit with the runs above the profile size, unless --runs-timeout fixes it for every pass', () => {
    const options = parse('--runs', '100,1000,10000');
    expect(options.runs.map((runs) => manyRunsPass(options, runs).timeoutS)).toEqual([600, 600, 6000]);
    const fixed = parse('--runs', '100,10000', '--runs-timeout', '30');
    expect(fixed.runs.map((runs) => manyRunsPass(fixed, runs).timeoutS)).toEqual([30, 30]);
  });
});
