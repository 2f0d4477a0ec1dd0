import type { Job } from 'bullmq';

/**
 * Handles one job; `signal` aborts when the worker shuts down. A module of its own so each concern's
 * handler factory can name it without importing `job-handlers.ts`, which imports those factories.
 */
export type JobHandler = (job: Job, token: string | undefined, signal: AbortSignal | undefined) => Promise<unknown>;
