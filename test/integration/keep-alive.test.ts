import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { loadEnv } from '../../src/config/load-env.js';
import { createLogger } from '../../src/observability/create-logger.js';
import { startFlightdeck, type Flightdeck } from '../../src/start-flightdeck.js';
import { E2E_CATALOG, E2E_CHECKLIST } from '../e2e/fixtures.js';
import { startSlackEmulator, type SlackEmulator } from '../../sandbox/slack/index.js';
import { freePort } from '../support/free-port.js';
import { sleep } from '../faults/support/sleep.js';

/*
 * A load balancer keeps connections to flightdeck open between Slack's requests and reuses them. Node's default
 * closes an idle one after 5 s; a request sent in that moment is reset, and the click it carried never acked.
 */
let slack: SlackEmulator;
let flightdeck: Flightdeck;
let port: number;
let dir: string;

beforeAll(async () => {
  slack = await startSlackEmulator({ channels: ['C0DEPLOY'] });
  dir = mkdtempSync(join(tmpdir(), 'flightdeck-keepalive-'));
  mkdirSync(join(dir, 'checklists'));
  writeFileSync(join(dir, 'flightdeck.yaml'), E2E_CATALOG);
  writeFileSync(join(dir, 'checklists', 'release.yaml'), E2E_CHECKLIST);
  port = await freePort();
  const env = loadEnv({
    SLACK_BOT_TOKEN: slack.token,
    SLACK_SIGNING_SECRET: 'keep-alive-secret',
    SLACK_API_URL: slack.apiUrl,
    REDIS_PREFIX: `keepalive-${randomBytes(4).toString('hex')}`,
    FLIGHTDECK_CONFIG: join(dir, 'flightdeck.yaml'),
    PORT: String(port),
    FLIGHTDECK_ROLE: 'web',
  });
  flightdeck = await startFlightdeck(await loadConfig(env), createLogger('silent'));
});

afterAll(async () => {
  await flightdeck?.stop();
  await slack?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Sends one GET on the socket and resolves with the status line of the answer. */
function get(socket: Socket): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const onData = (chunk: Buffer) => {
      text += chunk.toString();
      const end = text.indexOf('\r\n\r\n');
      const length = /content-length: (\d+)/i.exec(text)?.[1];
      const complete = length === undefined ? text.endsWith('\r\n0\r\n\r\n') : text.length >= end + 4 + Number(length);
      if (end >= 0 && complete) {
        socket.off('data', onData);
        resolve(text.slice(0, text.indexOf('\r\n')));
      }
    };
    socket.on('data', onData);
    socket.once('error', reject);
    socket.write(`GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: keep-alive\r\n\r\n`);
  });
}

describe('idle keep-alive connections', () => {
  it('stay open past Node\'s default 5 s, so a reused connection is answered rather than reset', async () => {
    const socket = connect(port, '127.0.0.1');
    let closedAt: number | undefined;
    socket.on('close', () => (closedAt = Date.now()));
    expect(await get(socket)).toBe('HTTP/1.1 200 OK');
    const idleFrom = Date.now();
    await sleep(6500);
    expect(closedAt === undefined ? 'open' : `closed by the server after ${closedAt - idleFrom} ms idle`).toBe('open');
    expect(await get(socket)).toBe('HTTP/1.1 200 OK');
    socket.destroy();
  });
});
