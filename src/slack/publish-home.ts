import type { App } from '@slack/bolt';
import type { CommandServices } from '../../commands/command-definition.js';
import { catalogFreezes } from '../deploy-windows/window-state.js';
import type { Logger } from '../observability/create-logger.js';
import type { CatalogFourKeys } from '../run/store/catalog-four-keys.js';
import { HOME_VIEWERS_KEEP_MS } from './refresh-homes.js';
import { buildHomeView, type HomeData } from './views/home-view.js';

/** How many runs of each service the Home tab lists. */
const RECENT_RUNS = 5;
/**
 * One person's Home tab is rendered at most once in this long: opening it again and again (or a burst of
 * run changes) does not become a views.publish each, as channel writes are paced.
 */
const HOME_RENDER_GAP_SECONDS = 3;

/**
 * What reading a Home tab needs. The four keys come from the process's one catalog reader (shared with
 * `/metrics`): every viewer's Home is rendered again after a run changes, and reading every service's runs
 * for each of them would be the same read many times over.
 */
export type HomeServices = Pick<CommandServices, 'store' | 'config' | 'freezes' | 'roles' | 'now'> & { catalogKeys: CatalogFourKeys };

/** Reads what the person's Home tab shows: their roles, active runs, locks, freezes, recent runs and the keys. */
export async function readHome(userId: string, services: HomeServices): Promise<HomeData> {
  const { store, config, freezes, roles, catalogKeys } = services;
  const now = services.now();
  const catalog = config.catalog;
  const environments = Object.keys(catalog.environments);
  const [held, activeRuns, locks, frozen, recent, keys] = await Promise.all([
    roles.rolesOf(userId),
    store.activeRuns(),
    store.locks(),
    Promise.all(
      environments.map(async (environment) => {
        const entry = catalog.environments[environment]!;
        // The catalog's dated freezes in effect now, then one declared with `/deploy freeze`.
        const dated = catalogFreezes(entry.freezes, entry.deployWindows?.timeZone ?? 'UTC').filter((freeze) => freeze.from <= now && now < freeze.until);
        const declared = await freezes.active(environment, now);
        return [...dated, ...(declared ? [declared] : [])].map((freeze) => ({ environment, freeze }));
      }),
    ),
    Promise.all(
      Object.entries(catalog.services).map(async ([service, entry]) => ({
        service,
        runs: (await Promise.all(entry.environments.map((env) => store.history(service, env, RECENT_RUNS))))
          .flat()
          .sort((a, b) => b.createdAt - a.createdAt || Number(b.id) - Number(a.id))
          .slice(0, RECENT_RUNS),
      })),
    ),
    catalogKeys(),
  ]);
  return {
    userId,
    roles: held,
    activeRuns,
    locks,
    freezes: frozen.flat(),
    recent,
    keys,
    keysDays: catalogKeys.days,
    now,
  };
}

/** Renders and publishes one person's Home tab. */
export async function publishHome(client: Pick<App['client'], 'views'>, userId: string, services: HomeServices): Promise<void> {
  await client.views.publish({ user_id: userId, view: buildHomeView(await readHome(userId, services)) });
}

/**
 * Renders the Home tab of whoever opens it (and records them, so run changes refresh it: refresh-homes.ts). Bolt acks the event before listeners run, so reading Redis and
 * calling views.publish here cannot make Slack retry; a render is claimed per person for a few seconds so
 * repeated opens cost one publish.
 */
export function registerHome(app: App, services: HomeServices, logger: Logger): void {
  app.event('app_home_opened', async ({ event, client }) => {
    if (event.tab !== 'home') return;
    const log = logger.child({ event: 'app_home_opened', user: event.user });
    await services.store.recordHomeViewer(event.user, services.now(), HOME_VIEWERS_KEEP_MS);
    if (!(await services.store.claimOnce(`home-render:${event.user}`, HOME_RENDER_GAP_SECONDS))) {
      log.debug('home rendered moments ago');
      return;
    }
    try {
      await publishHome(client, event.user, services);
      log.info('home published');
    } catch (err) {
      log.warn({ err }, 'home could not be published');
    }
  });
}
