import type { ManyRunsResult } from '../many-runs/measure-many-runs.js';
import { byArea } from '../many-runs/tally-redis-uses.js';

/** How many uses the table lists: the rest are summed in one row. */
const LISTED_USES = 25;

/**
 * The pass's Redis commands per run by area and by use (`--redis-monitor`); nothing when the pass did not monitor.
 */
export function redisUsesLines(r: Pick<ManyRunsResult, 'runs' | 'redisUses'>): string[] {
  const uses = r.redisUses;
  if (!uses) return [];
  const perRun = (n: number) => (n / r.runs).toFixed(1);
  const total = uses.reduce((sum, use) => sum + use.commands, 0);
  const rest = uses.slice(LISTED_USES);
  return [
    `Redis commands per run by what they are for (\`--redis-monitor\`: ${perRun(total)} a run counted through MONITOR, which slows`,
    'Redis, so the other figures of this pass do not compare with a pass without it). A script counts with the commands it ran.',
    '',
    '| area | commands / run |',
    '| --- | --- |',
    ...byArea(uses).map(({ area, commands }) => `| ${area} | ${perRun(commands)} |`),
    '',
    '| use | area | commands / run | calls / run |',
    '| --- | --- | --- | --- |',
    ...uses.slice(0, LISTED_USES).map((use) => `| ${use.use.replace(/\|/g, '\\|')} | ${use.area} | ${perRun(use.commands)} | ${(use.calls / r.runs).toFixed(2)} |`),
    ...(rest.length > 0 ? [`| ${rest.length} more uses | | ${perRun(rest.reduce((sum, use) => sum + use.commands, 0))} | |`] : []),
    '',
  ];
}
