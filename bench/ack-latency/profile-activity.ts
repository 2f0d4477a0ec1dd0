import { readFileSync } from 'node:fs';
import { z } from 'zod';

const profileSchema = z.object({
  nodes: z.array(
    z.object({
      id: z.number(),
      callFrame: z.object({ functionName: z.string(), url: z.string() }),
      children: z.array(z.number()).optional(),
    }),
  ),
  samples: z.array(z.number()),
  timeDeltas: z.array(z.number()),
});

/** What a flightdeck process spent a share of its wall time on, by who asked for the work. */
export interface ActivityShare {
  activity: string;
  percent: number;
}

/**
 * Activities in priority order: a sample counts for the first whose pattern matches any frame of its stack
 * (after an `await` the stack starts at the continuation, so a handler's code after its Redis call still
 * names the handler's module).
 */
const ACTIVITIES: readonly (readonly [string, RegExp])[] = [
  ['logging (pino)', /\/(pino|sonic-boom)\/|\/observability\/scrub-secrets\.js/],
  ['workers (BullMQ jobs, rendering)', /\/bullmq\/|\/dist\/src\/queue\//],
  ['Slack HTTP clients (Web API calls, response URLs)', /\/@slack\/web-api\/|\/axios\/|undici/],
  ['answering Slack (Bolt, receiver, listeners)', /\/@slack\/bolt\/|\/dist\/src\/slack\/|\/dist\/commands\/|node:_http_(server|incoming|outgoing|common)|\/observability\/observe-ack-latency\.js/],
  ['run store (either side)', /\/dist\/src\/run\//],
  ['Redis client (either side)', /\/ioredis\//],
];
const FIXED: Record<string, string> = { '(idle)': 'idle', '(garbage collector)': 'garbage collection', '(program)': 'V8/Node native (program)' };

/**
 * Shares of wall time by activity in a V8 CPU profile, largest first (`idle` included: time the event
 * loop waited for I/O). Each sample is weighted by the time until the next one.
 *
 * @throws Error when the file is not a V8 CPU profile.
 */
export function profileActivity(path: string): ActivityShare[] {
  const profile = profileSchema.parse(JSON.parse(readFileSync(path, 'utf8')));
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parentOf = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
  const activityOf = new Map<number, string>();
  const classify = (id: number): string => {
    const known = activityOf.get(id);
    if (known) return known;
    const leaf = byId.get(id);
    let activity = FIXED[leaf?.callFrame.functionName ?? ''];
    if (!activity) {
      const frames: string[] = [];
      for (let at: number | undefined = id; at !== undefined; at = parentOf.get(at)) frames.push(byId.get(at)?.callFrame.url ?? '');
      const stack = frames.join('\n');
      activity = ACTIVITIES.find(([, pattern]) => pattern.test(stack))?.[0] ?? 'other (Node internals, zod, timers)';
    }
    activityOf.set(id, activity);
    return activity;
  };
  const totals = new Map<string, number>();
  let all = 0;
  profile.samples.forEach((id, i) => {
    const weight = profile.timeDeltas[i + 1] ?? 0;
    all += weight;
    const activity = classify(id);
    totals.set(activity, (totals.get(activity) ?? 0) + weight);
  });
  return [...totals.entries()]
    .map(([activity, time]) => ({ activity, percent: all === 0 ? 0 : (time / all) * 100 }))
    .sort((a, b) => b.percent - a.percent);
}
