import { describe, expect, it } from 'vitest';
import { answerToOf, dryRunJobSchema } from '../../src/queue/dry-run/dry-run-job.js';

const job = { service: 'api', environment: 'production', version: 'v1', requestedBy: 'U0ALICE' };

describe('a dry-run job', () => {
  it('answers at the response URL of a typed command, or ephemerally in the channel of the /deploy form', () => {
    expect(answerToOf(dryRunJobSchema.parse({ ...job, responseUrl: 'https://hooks.slack.com/commands/T1/2/x' }))).toEqual({ responseUrl: 'https://hooks.slack.com/commands/T1/2/x' });
    expect(answerToOf(dryRunJobSchema.parse({ ...job, ephemeralIn: 'C0DEPLOY' }))).toEqual({ channel: 'C0DEPLOY', user: 'U0ALICE' });
  });

  it('reads a job queued by the version before the form could ask (a response URL, no replay)', () => {
    expect(dryRunJobSchema.parse({ ...job, responseUrl: 'https://hooks.slack.com/commands/T1/2/x' })).toMatchObject({ replayMs: 24 * 3_600_000 });
  });

  it.each([[{}], [{ responseUrl: 'https://hooks.slack.com/commands/T1/2/x', ephemeralIn: 'C0DEPLOY' }]])('refuses a job with no place, or two places, to answer: %j', (where) => {
    expect(dryRunJobSchema.safeParse({ ...job, ...where }).success).toBe(false);
  });
});
