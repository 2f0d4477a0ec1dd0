import type { Job } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { threadPlace } from '../../src/queue/notify/reply-order.js';

const jobWithId = (id: string) => ({ id, name: 'thread' }) as Job;

describe('threadPlace', () => {
  it.each([
    ['a run with a uid', '7', 'thread-7-3f9c2a1b0d-12-1', { seq: 12, index: 1, place: 120_001 }],
    ['a uid of digits only', '7', 'thread-7-0123456789-3-0', { seq: 3, index: 0, place: 30_000 }],
    ['a run from before uids', '7', 'thread-7-12-1', { seq: 12, index: 1, place: 120_001 }],
    ['another run whose id starts alike', '7', 'thread-71-3f9c2a1b0d-12-1', undefined],
    ['a job not named by the engine', '7', 'thread-x-1', undefined],
  ])('reads the seq and index of %s', (_, runId, id, place) => {
    expect(threadPlace(runId, jobWithId(id))).toEqual(place);
  });
});
