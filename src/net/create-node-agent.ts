import type { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { HttpProxyAgent, HttpsProxyAgent } from 'hpagent';
import { proxyFor, type ProxySettings } from '../config/proxy-settings.js';

/**
 * For clients on node's http modules (node-fetch v2 under pdjs): a function choosing the agent per URL, as
 * node-fetch's `agent` option accepts. A URL {@link proxyFor} sends to a proxy gets an hpagent agent that
 * tunnels with CONNECT (for `http:` targets too) and checks the target's certificate against `ca` inside the
 * tunnel; a direct `https:` URL gets an Agent trusting `ca`. Undefined means node's default agent.
 */
export function createNodeAgentFor(settings: ProxySettings, ca?: string | Buffer): ((url: { href: string; protocol: string }) => HttpAgent | undefined) | undefined {
  const proxied = settings.http !== undefined || settings.https !== undefined;
  if (!proxied && ca === undefined) return undefined;
  const tlsOptions = ca === undefined ? {} : { ca };
  const direct = ca === undefined ? undefined : new HttpsAgent(tlsOptions);
  const agents = new Map<string, HttpAgent>();
  return (url) => {
    const secure = url.protocol === 'https:';
    const proxy = proxyFor(settings, url.href);
    if (proxy === undefined) return secure ? direct : undefined;
    const key = `${url.protocol}${proxy.href}`;
    let agent = agents.get(key);
    if (agent === undefined) {
      agent = secure ? new HttpsProxyAgent({ proxy, keepAlive: true, ...tlsOptions }) : new HttpProxyAgent({ proxy, keepAlive: true });
      agents.set(key, agent);
    }
    return agent;
  };
}
