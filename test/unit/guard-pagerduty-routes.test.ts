import { describe, expect, it } from 'vitest';
import { catalogSchema } from '../../src/config/catalog-schema.js';
import { loadEnv } from '../../src/config/load-env.js';
import { resolvePagerDutyRoutes } from '../../src/queue/incidents/pagerduty-routes.js';

const catalog = catalogSchema.parse({
  slack: { defaultChannel: 'C0DEPLOY' },
  environments: { production: { cluster: 'prod', checklist: 'standard' } },
  services: {
    api: { namespace: 'shop', deployment: 'api', container: 'api', image: 'reg/api', environments: ['production'], pagerduty: { routingKeyEnv: 'API_PD_KEY', escalationPolicy: 'PAPI001' } },
    web: { namespace: 'shop', deployment: 'web', container: 'web', image: 'reg/web', environments: ['production'], pagerduty: { routingKeyEnv: 'WEB_PD_KEY' } },
    batch: { namespace: 'shop', deployment: 'batch', container: 'batch', image: 'reg/batch', environments: ['production'] },
  },
});

/** The variables as start-up reads them: through the parsed environment, not process.env. */
function variables(extra: Record<string, string>): (name: string) => string | undefined {
  return loadEnv({ SLACK_BOT_TOKEN: 'xoxb-test', FLIGHTDECK_ROLE: 'worker', ...extra }).readVariable;
}

describe('resolvePagerDutyRoutes', () => {
  it('reads each routing key from the variable the catalog names; services without pagerduty have no route', () => {
    const { routes, missing } = resolvePagerDutyRoutes(catalog, variables({ API_PD_KEY: 'k'.repeat(32), WEB_PD_KEY: ' w ' }));
    expect(missing).toEqual([]);
    expect(routes.get('api')).toEqual({ routingKey: 'k'.repeat(32), escalationPolicy: 'PAPI001' });
    expect(routes.get('web')).toEqual({ routingKey: 'w' });
    expect(routes.has('batch')).toBe(false);
  });

  it('leaves a service whose variable is unset unpaged, naming the variable, never a value', () => {
    const { routes, missing } = resolvePagerDutyRoutes(catalog, variables({ API_PD_KEY: 'secret-value-123', WEB_PD_KEY: '  ' }));
    expect([...routes.keys()]).toEqual(['api']);
    expect(missing).toEqual([expect.stringContaining('WEB_PD_KEY: is not set, but services.web.pagerduty.routingKeyEnv names it, so web is never paged')]);
    expect(missing.join('\n')).not.toContain('API_PD_KEY');
    expect(missing.join('\n')).not.toContain('secret-value-123');
  });
});
