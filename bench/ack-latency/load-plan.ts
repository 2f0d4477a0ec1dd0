import { z } from 'zod';

/** What one load phase sends: handed from the bench to the load driver process as a JSON file. */
export const loadPlanSchema = z.object({
  /** The app's events endpoint. */
  url: z.url(),
  signingSecret: z.string().min(1),
  /** Requests per second, open loop: request i is due at start + i / rate, whether or not earlier ones answered. */
  rate: z.number().positive(),
  durationMs: z.number().int().positive(),
  /** Form-encoded bodies, built once; request i sends body i modulo their count, signed when it is sent. */
  bodies: z.array(z.string()).min(1),
  /** A request not answered within this many ms is abandoned and counted as an error. */
  timeoutMs: z.number().int().positive(),
  /** When set, a 200 whose body does not match this regular expression counts as an unexpected answer. */
  expectBody: z.string().optional(),
});
export type LoadPlan = z.infer<typeof loadPlanSchema>;

/** What the load driver measured. Latencies run from each request's due time to its full response. */
export const loadResultSchema = z.object({
  sent: z.number().int(),
  latenciesMs: z.array(z.number()),
  /** When each answered request was due, ms after the phase began, in the order of `latenciesMs`. */
  dueAtMs: z.array(z.number()),
  /** By kind: `status <code>`, `timeout`, or the socket error code. */
  errors: z.record(z.string(), z.number().int()),
  /** 200s whose body did not match `expectBody`, with up to three examples. */
  unexpected: z.number().int(),
  unexpectedExamples: z.array(z.string()),
  /** The latest any request left after its due time: how far the driver itself fell behind. */
  maxSendLagMs: z.number(),
  elapsedMs: z.number(),
});
export type LoadResult = z.infer<typeof loadResultSchema>;
