import { DelayedError, type Job } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { IN_PROCESS_SLEEP_MAX_MS, sleepJob, sleepingInProcess } from '../../src/queue/notify/sleep-job.js';

/** A job that records where it was delayed to instead of moving in Redis. */
function fakeJob(): Job & { delayedTo: number[] } {
  const delayedTo: number[] = [];
  return { id: 'j', delayedTo, moveToDelayed: async (at: number) => void delayedTo.push(at) } as unknown as Job & { delayedTo: number[] };
}

describe('sleepJob', () => {
  it('outside sleepingInProcess, a short wait is a move to delayed', async () => {
    const job = fakeJob();
    await expect(sleepJob(job, 't', 10)).rejects.toBeInstanceOf(DelayedError);
    expect(job.delayedTo).toHaveLength(1);
  });
});

/** Never aborted: the worker of these tests does not stop. */
const stopping = new AbortController().signal;

describe('sleepingInProcess', () => {
  it('sleeps a short wait in the worker and runs the handler again, without moving the job', async () => {
    const job = fakeJob();
    let runs = 0;
    const handler = sleepingInProcess(async (j, token) => {
      runs++;
      if (runs < 3) await sleepJob(j, token, 5);
      return 'done';
    }, { working: 1, sleepers: 1, stopping });
    expect(await handler(job, 't', undefined)).toBe('done');
    expect(runs).toBe(3);
    expect(job.delayedTo).toHaveLength(0);
  });

  it('a wait longer than the in-process bound is a move to delayed', async () => {
    const job = fakeJob();
    const handler = sleepingInProcess((j, token) => sleepJob(j, token, IN_PROCESS_SLEEP_MAX_MS + 1), { working: 1, sleepers: 1, stopping });
    await expect(handler(job, 't', undefined)).rejects.toBeInstanceOf(DelayedError);
    expect(job.delayedTo).toHaveLength(1);
  });

  it('beyond `sleepers` jobs asleep at once, the next sleeps as a delayed job', async () => {
    const first = fakeJob();
    const second = fakeJob();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let firstRuns = 0;
    const handler = sleepingInProcess(async (j, token) => {
      if (j === first && firstRuns++ > 0) return 'first done';
      if (j === first) {
        setTimeout(release, 0);
        await sleepJob(j, token, 50);
      }
      await gate;
      return sleepJob(j, token, 10);
    }, { working: 2, sleepers: 1, stopping });
    const firstDone = handler(first, 't1', undefined);
    await expect(handler(second, 't2', undefined)).rejects.toBeInstanceOf(DelayedError);
    expect(second.delayedTo).toHaveLength(1);
    expect(await firstDone).toBe('first done');
    expect(first.delayedTo).toHaveLength(0);
  });

  it('runs at most `working` handlers at once; a sleeper does not count', async () => {
    let running = 0;
    let most = 0;
    const seen = new Set<Job>();
    const handler = sleepingInProcess(async (j, token) => {
      running++;
      most = Math.max(most, running);
      await new Promise((resolve) => setTimeout(resolve, 5));
      running--;
      if (!seen.has(j)) {
        seen.add(j);
        await sleepJob(j, token, 20);
      }
      return 'ok';
    }, { working: 2, sleepers: 4, stopping });
    const jobs = [fakeJob(), fakeJob(), fakeJob(), fakeJob()];
    expect(await Promise.all(jobs.map((job, i) => handler(job, `t${i}`, undefined)))).toEqual(['ok', 'ok', 'ok', 'ok']);
    expect(most).toBe(2);
    expect(jobs.every((job) => job.delayedTo.length === 0)).toBe(true);
  });

  it('a worker shutting down moves a sleeping job to delayed for the rest of its wait', async () => {
    const job = fakeJob();
    const abort = new AbortController();
    const handler = sleepingInProcess(async (j, token) => {
      setTimeout(() => abort.abort(), 5);
      return sleepJob(j, token, 2_000);
    }, { working: 1, sleepers: 1, stopping });
    const before = Date.now();
    await expect(handler(job, 't', abort.signal)).rejects.toBeInstanceOf(DelayedError);
    expect(job.delayedTo).toHaveLength(1);
    expect(job.delayedTo[0]).toBeGreaterThanOrEqual(before + 2_000);
  });

  it('an error of the handler passes through', async () => {
    const handler = sleepingInProcess(async () => {
      throw new Error('boom');
    }, { working: 1, sleepers: 1, stopping });
    await expect(handler(fakeJob(), 't', undefined)).rejects.toThrow('boom');
  });

  it('once the worker is stopping, a job sleeping in it moves to delayed, and a job taken after that sleeps as a delayed job', async () => {
    const stop = new AbortController();
    const sleeper = fakeJob();
    const handler = sleepingInProcess((j, token) => sleepJob(j, token, 2_000), { working: 2, sleepers: 2, stopping: stop.signal });
    const slept = handler(sleeper, 't1', new AbortController().signal);
    setTimeout(() => stop.abort(), 5);
    await expect(slept).rejects.toBeInstanceOf(DelayedError);
    expect(sleeper.delayedTo).toHaveLength(1);
    const late = fakeJob();
    await expect(handler(late, 't2', new AbortController().signal)).rejects.toBeInstanceOf(DelayedError);
    expect(late.delayedTo).toHaveLength(1);
  });
});
