import { readFileSync } from 'node:fs';
import { z } from 'zod';

const profileSchema = z.object({
  nodes: z.array(
    z.object({
      id: z.number(),
      callFrame: z.object({ functionName: z.string(), url: z.string(), lineNumber: z.number() }),
      hitCount: z.number().optional(),
    }),
  ),
  startTime: z.number(),
  endTime: z.number(),
  samples: z.array(z.number()).optional(),
});

/** A function's share of the samples of a V8 CPU profile. */
export interface HotFunction {
  name: string;
  /** `file:line`, shortened to the part after node_modules/ or the repository. */
  where: string;
  selfPercent: number;
}

function shorten(url: string): string {
  const afterModules = url.split('node_modules/').at(-1) ?? url;
  return afterModules.replace(/^file:\/\/.*?\/dist\//, '');
}

/**
 * The functions with the most self time in a `.cpuprofile` written by `node --cpu-prof`, merged by name and
 * location. `(idle)` is left in: a mostly idle profile says the process was waiting, not computing.
 *
 * @throws Error when the file is not a V8 CPU profile.
 */
export function summarizeCpuProfile(path: string, top = 12): HotFunction[] {
  const profile = profileSchema.parse(JSON.parse(readFileSync(path, 'utf8')));
  const totals = new Map<string, HotFunction & { hits: number }>();
  let all = 0;
  for (const node of profile.nodes) {
    const hits = node.hitCount ?? 0;
    all += hits;
    const name = node.callFrame.functionName || '(anonymous)';
    const where = node.callFrame.url === '' ? '' : `${shorten(node.callFrame.url)}:${node.callFrame.lineNumber + 1}`;
    const key = `${name}@${where}`;
    const entry = totals.get(key) ?? { name, where, selfPercent: 0, hits: 0 };
    entry.hits += hits;
    totals.set(key, entry);
  }
  return [...totals.values()]
    .sort((a, b) => b.hits - a.hits)
    .slice(0, top)
    .map(({ name, where, hits }) => ({ name, where, selfPercent: all === 0 ? 0 : (hits / all) * 100 }));
}
