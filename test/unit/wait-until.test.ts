import { describe, expect, it } from 'vitest';
import { waitUntil } from '../support/wait-until.js';

describe('waitUntil', () => {
  it('returns the first value the probe gives', async () => {
    let calls = 0;
    await expect(waitUntil('the third call', () => (++calls === 3 ? 'done' : undefined))).resolves.toBe('done');
    expect(calls).toBe(3);
  });

  it('rethrows the last assertion error on timeout, with its expected and received values', async () => {
    const failure = await waitUntil('a count of 2', () => {
      expect(1, 'the count').toBe(2);
      return true;
    }, 120).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(Error);
    expect(failure).toMatchObject({ name: 'AssertionError', expected: 2, actual: 1 });
    expect((failure as Error).message).toMatch(/^Timed out after 120 ms waiting for a count of 2; the last attempt failed: the count: expected 1 to be 2/);
  });

  it('names what it waited for when the probe only ever said "not yet"', async () => {
    await expect(waitUntil('nothing', () => undefined, 80)).rejects.toThrow(/^Timed out after 80 ms waiting for nothing$/);
  });

  it('forgets an error once a later attempt only says "not yet"', async () => {
    let calls = 0;
    const failure = waitUntil('a settled probe', () => {
      calls += 1;
      if (calls === 1) throw new Error('early');
      return undefined;
    }, 120);
    await expect(failure).rejects.toThrow(/^Timed out after 120 ms waiting for a settled probe$/);
  });

  it('fails at its deadline when an attempt never answers, saying so', async () => {
    const failure = await waitUntil('a stuck client', () => new Promise<string>(() => {}), 100).catch((err: unknown) => err);
    expect((failure as Error).message).toMatch(/^Timed out after 100 ms waiting for a stuck client; the last attempt had not answered after \d+ ms$/);
  });

  it('ignores an attempt that fails after the deadline', async () => {
    let late: (err: Error) => void = () => {};
    const failure = await waitUntil('a late failure', () => new Promise<string>((_, reject) => (late = reject)), 60).catch((err: unknown) => err);
    late(new Error('too late'));
    await new Promise((resolve) => setImmediate(resolve));
    expect((failure as Error).message).toMatch(/had not answered/);
  });
});
