import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';

/**
 * How long a connection with no request may stay open for the next one. Below the 5 s after which Node's own
 * servers (and so the emulator) close an idle connection, so a request never goes out on a connection the
 * server is closing; long enough for a step's requests, and a busy worker's, to share one.
 */
const IDLE_CONNECTION_MS = 4_000;

/** What makes one agent's connections usable for another request: the TLS material and how it is checked. */
const TLS_FIELDS = ['ca', 'cert', 'key', 'pfx', 'passphrase', 'rejectUnauthorized', 'servername'] as const;

/** The agent's TLS material, field by field, to compare with the kept agent's. */
function materialOf(options: Record<string, unknown>): unknown[] {
  return TLS_FIELDS.map((field) => options[field]);
}

/** Equal TLS material: strings, flags, Buffers by content, and lists of them (several CAs) item by item. */
function same(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((value, i) => same(value, b[i]));
  if (Buffer.isBuffer(a) && Buffer.isBuffer(b)) return a.equals(b);
  return a === b;
}

/**
 * Keeps connections to one API server open between requests. client-node 1.x builds a new agent for every
 * request (KubeConfig.applySecurityAuthentication, kubernetes-client/javascript#2893) without keep-alive, so
 * each request opened its own TCP connection and, against a real API server, did a whole TLS handshake.
 * Given that fresh agent, this returns one kept-alive agent with the same TLS material instead, and a new one
 * once the material changes (a rotated client certificate); the one it replaces closes its connections as they
 * go idle. Proxy agents are returned as they are: their tunnels are their own.
 */
export function createKeepAliveAgent(): (fresh: HttpAgent | undefined) => HttpAgent | undefined {
  let kept: { secure: boolean; material: unknown[]; agent: HttpAgent } | undefined;
  return (fresh) => {
    const kind = fresh?.constructor;
    if (fresh === undefined || (kind !== HttpAgent && kind !== HttpsAgent)) return fresh;
    const options = (fresh as HttpAgent & { options: Record<string, unknown> }).options;
    const secure = kind === HttpsAgent;
    const material = materialOf(options);
    if (kept?.secure !== secure || !same(kept.material, material)) {
      const tls = Object.fromEntries(TLS_FIELDS.filter((field) => options[field] !== undefined).map((field) => [field, options[field]]));
      const settings = { ...tls, keepAlive: true, scheduling: 'lifo' as const, timeout: IDLE_CONNECTION_MS };
      kept = { secure, material, agent: secure ? new HttpsAgent(settings) : new HttpAgent(settings) };
    }
    return kept.agent;
  };
}
