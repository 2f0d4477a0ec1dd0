import { describe, expect, it } from 'vitest';
import { catalogSchema } from '../src/config/catalog-schema.js';
import { DEMO_PEOPLE, demoCatalog } from './demo-world.js';
import { sandboxWorld } from './sandbox-world.js';
import { parse } from 'yaml';

const base = {
  slack: { defaultChannel: 'C0SHOP' },
  environments: { qa: { cluster: 'qa-ctx', checklist: 'quick' }, live: { cluster: 'live-ctx', checklist: 'quick', channel: 'C0LIVE' } },
  services: {
    cart: { namespace: 'shop', deployment: 'cart', container: 'app', image: 'r.example.com/cart', environments: ['qa', 'live'], overrides: { live: { namespace: 'shop-live' } } },
  },
};

describe('sandboxWorld: what the sandbox makes up for a catalog', () => {
  it('the demo catalog gives back the demo people with their roles, in its one cluster', () => {
    const world = sandboxWorld(catalogSchema.parse(parse(demoCatalog())), DEMO_PEOPLE);
    expect(new Map(world.people.map((p) => [p.id, p.roles]))).toEqual(new Map(DEMO_PEOPLE.map((p) => [p.id, p.roles])));
    expect(world.people.find((p) => p.id === 'U0OLI')?.realName).toBe('Oli Oncall');
    expect(world.clusters).toEqual(['sandbox']);
    expect(world.onCall).toEqual({ PSANDBOX: 'U0OLI' });
    expect(world.notes).toEqual([]);
  });

  it('stands in for users and user groups, one target per service and environment, overrides applied', () => {
    const catalog = catalogSchema.parse({ ...base, roles: { shippers: { users: ['U0ALEX'], groups: ['S0OPS'] } } });
    const world = sandboxWorld(catalog);
    expect(world.people.map((p) => [p.id, p.realName, p.roles])).toEqual([
      ['U0ALEX', 'U0ALEX (stand-in)', ['shippers']],
      ['U0OPS', 'Member of S0OPS (stand-in)', ['shippers']],
    ]);
    expect(world.usergroups).toEqual({ S0OPS: ['U0OPS'] });
    expect(world.targets.map((t) => [t.environment, t.cluster, t.namespace])).toEqual([
      ['qa', 'qa-ctx', 'shop'],
      ['live', 'live-ctx', 'shop-live'],
    ]);
    expect(world.notes).toEqual([
      "role shippers: user group S0OPS's real members are not known here; the stand-in \"Member of S0OPS\" is its only member.",
      'environment live: its runs post in #deploys, the one channel the page shows, instead of C0LIVE.',
    ]);
  });

  it('puts a stand-in on call when no role names an on-call, and someone at the keyboard when no role names anyone', () => {
    const catalog = catalogSchema.parse({
      ...base,
      services: { cart: { ...base.services.cart, pagerduty: { routingKeyEnv: 'CART_KEY', escalationPolicy: 'PCART01' } } },
    });
    const world = sandboxWorld(catalog);
    expect(world.people.map((p) => p.id)).toEqual(['U0SANDBOXUSER', 'U0SANDBOXONCALL']);
    expect(world.onCall).toEqual({ PCART01: 'U0SANDBOXONCALL' });
    expect(world.routingKeyEnvs).toEqual(['CART_KEY']);
  });
});
