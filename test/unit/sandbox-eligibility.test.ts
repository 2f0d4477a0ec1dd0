import { describe, expect, it } from 'vitest';
import { sandboxRefusal, servesSandboxByDefault } from '../../src/config/sandbox-eligibility.js';

const noFile = () => false;

describe('when flightdeck serve falls back to the sandbox', () => {
  it('does with nothing configured', () => {
    expect(servesSandboxByDefault({}, noFile)).toBe(true);
  });

  it.each([
    ['NODE_ENV=production', { NODE_ENV: 'production' }],
    ['inside a cluster', { KUBERNETES_SERVICE_HOST: '10.0.0.1' }],
    ['FLIGHTDECK_ROLE set', { FLIGHTDECK_ROLE: 'all' }],
    ['a bot token', { SLACK_BOT_TOKEN: 'xoxb-1' }],
    ['an app token', { SLACK_APP_TOKEN: 'xapp-1' }],
    ['a catalog path', { FLIGHTDECK_CONFIG: './mine.yaml' }],
  ])('never with %s: missing credentials stay the start-up error', (_, env) => {
    expect(servesSandboxByDefault(env, noFile)).toBe(false);
  });

  it('never when ./flightdeck.yaml exists', () => {
    expect(servesSandboxByDefault({}, (path) => path === 'flightdeck.yaml')).toBe(false);
  });

  it('names the reason an explicit `flightdeck sandbox` is refused', () => {
    expect(sandboxRefusal({ NODE_ENV: 'production' })).toBe('NODE_ENV is production');
    expect(sandboxRefusal({ KUBERNETES_SERVICE_HOST: 'x' })).toMatch(/KUBERNETES_SERVICE_HOST/);
    expect(sandboxRefusal({})).toBeUndefined();
  });
});
