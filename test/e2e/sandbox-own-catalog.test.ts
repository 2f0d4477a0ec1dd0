import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../sandbox/find-redis.js';
import { findButton, type Block } from '../../sandbox/slack/index.js';
import { APPROVE_ACTION_PREFIX } from '../../src/slack/views/item-buttons.js';

const CLI = resolve(import.meta.dirname, '../../dist/src/cli.js');

/** A catalog of a shop: none of the demo's names; a role held through a user group; two clusters; a channel per environment. */
const CATALOG = `slack:
  defaultChannel: C0SHOP
roles:
  shippers: { users: [U0ALEX] }
  reviewers: { groups: [S0REVIEW] }
environments:
  qa: { cluster: qa-cluster, checklist: quick, deployers: [shippers] }
  live:
    cluster: live-cluster
    checklist: careful
    deployers: [shippers]
    channel: C0LIVE
services:
  cart:
    namespace: shop
    deployment: cart-server
    container: app
    image: registry.example.com/shop/cart
    environments: [qa, live]
    traffic: { route: cart, stableService: cart, canaryService: cart-preview }
  search:
    namespace: shop
    deployment: search
    container: search
    image: registry.example.com/shop/search
    environments: [qa]
`;

const QUICK = `name: quick
phases:
  - id: roll
    title: Roll out
    items:
      - { id: set-image, kind: step, action: set-image, title: Set the image }
      - { id: wait, kind: step, action: wait-rollout, title: Wait for the rollout, timeout: 5m }
`;

/** A sign-off by the group's role, a canary under a Prometheus check, then promotion: every kind the sandbox must emulate. */
const CAREFUL = `name: careful
roles:
  reviewers: Reviews what goes live
phases:
  - id: approve
    title: Approve
    items:
      - { id: review, kind: signoff, role: reviewers, title: "Review {{service}} {{version}}" }
  - id: canary
    title: Canary
    items:
      - { id: canary, kind: step, action: canary, title: Start the canary, replicas: 1, timeout: 5m }
      - { id: traffic, kind: step, action: traffic, title: Send 20%, weight: 20 }
      - { id: bake, kind: step, action: bake, title: Watch for a minute, duration: 1m }
      - id: errors
        kind: check
        title: Error rate of {{deployment}} below 1%
        probe:
          type: prometheus
          url: https://prometheus.shop.example.com
          query: sum(rate(errors_total{deployment="{{deployment}}"}[5m]))
          above: 0.01
      - { id: promote, kind: step, action: promote, title: Promote, timeout: 5m }
`;

interface Snapshot {
  channel: { id: string; messages: Array<{ ts: string; text: string; blocks?: Block[]; replies: Array<{ text: string; blocks?: Block[] }> }> };
  people: Array<{ id: string; realName: string; roles: string[] }>;
  ephemerals: Array<{ user: string; text: string }>;
  cluster: Array<{ service: string; environment: string; deployments: Array<{ name: string; image: string; ready: number; replicas: number }>; traffic: Array<{ name: string; weight: number }> }>;
}

let dir: string;
let sandbox: ChildProcess;
let url: string;
let stdout = '';
let latest: Snapshot | undefined;
const waiters: Array<() => void> = [];

function write(name: string, text: string): string {
  const file = join(dir, name);
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(file, text);
  return file;
}

/** The sandbox's environment: no Slack credentials, as for a newcomer, and this machine's Redis. */
function sandboxEnv(port: number): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('SLACK_') && key !== 'FLIGHTDECK_ROLE' && key !== 'NODE_ENV'));
  return { ...env, PORT: String(port), REDIS_URL: 'redis://127.0.0.1:6379' };
}

/** Reads the page's event stream for as long as the sandbox runs, keeping the latest snapshot. */
async function follow(): Promise<void> {
  const response = await fetch(`${url}/sandbox/events`);
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    let end = buffer.indexOf('\n\n');
    while (end >= 0) {
      latest = JSON.parse(buffer.slice(0, end).replace(/^data: /, '')) as Snapshot;
      buffer = buffer.slice(end + 2);
      end = buffer.indexOf('\n\n');
      for (const wake of waiters.splice(0)) wake();
    }
  }
}

/** Resolves with the first snapshot for which `found` returns something. */
async function until<T>(found: (s: Snapshot) => T | undefined): Promise<T> {
  for (;;) {
    const value = latest && found(latest);
    if (value !== undefined && value !== false) return value;
    await new Promise<void>((wake) => waiters.push(wake));
  }
}

async function post(path: string, body: unknown): Promise<void> {
  const response = await fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  expect(response.status).toBe(200);
}

describe('flightdeck sandbox --catalog --checklists: one\'s own catalog against the emulated clusters', () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sandbox-own-'));
    write('shop.yaml', CATALOG);
    write('checklists/quick.yaml', QUICK);
    write('checklists/careful.yaml', CAREFUL);
    const port = await freePort();
    // Run where the test's files are, so the sandbox's .flightdeck/ lands there and not beside another sandbox's.
    sandbox = spawn(process.execPath, [CLI, 'sandbox', '--catalog', 'shop.yaml', '--checklists', 'checklists'], { cwd: dir, env: sandboxEnv(port), stdio: ['ignore', 'pipe', 'inherit'] });
    url = await new Promise<string>((done, fail) => {
      sandbox.stdout?.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        const line = /^flightdeck sandbox: open (http:\/\/127\.0\.0\.1:\d+)$/m.exec(stdout);
        if (line) done(line[1] as string);
      });
      sandbox.once('exit', (code) => fail(new Error(`sandbox exited with ${code}: ${stdout}`)));
    });
    void follow().catch(() => undefined);
  }, 60_000);

  afterAll(async () => {
    if (sandbox && sandbox.exitCode === null) {
      const exited = new Promise((done) => sandbox.once('exit', done));
      sandbox.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('says what it made of the catalog and what it could not take as it is', () => {
    expect(stdout).toContain('2 service(s), 3 Deployment(s) on 1.1.0 in the emulated cluster(s) qa-cluster, live-cluster; 2 people from the catalog\'s roles.');
    expect(stdout).toContain("not as in production: role reviewers: user group S0REVIEW's real members are not known here");
    expect(stdout).toContain('not as in production: environment live: its runs post in #deploys, the one channel the page shows, instead of C0LIVE.');
  });

  it('builds the catalog\'s services in their clusters and its people from its roles', async () => {
    const snapshot = await until((s) => s);
    expect(snapshot.people.map((p) => [p.id, p.roles])).toEqual([
      ['U0ALEX', ['shippers']],
      ['U0REVIEW', ['reviewers']],
    ]);
    const live = snapshot.cluster.find((c) => c.service === 'cart' && c.environment === 'live');
    expect(live?.deployments).toEqual([{ name: 'cart-server', image: 'registry.example.com/shop/cart:1.1.0', ready: 3, replicas: 3 }]);
    expect(live?.traffic).toEqual([{ name: 'cart', weight: 1 }]);
    expect(snapshot.cluster.map((c) => `${c.service}/${c.environment}`)).toEqual(['cart/qa', 'cart/live', 'search/qa']);
  });

  it('a /deploy to live runs the checklist to the end: the group member signs off, the canary takes 20%, is promoted', async () => {
    await post('/sandbox/command', { user: 'U0ALEX', text: '/deploy cart 2.0.0 to live' });
    const message = await until((s) => s.channel.messages.find((m) => m.blocks?.some((b) => JSON.stringify(b).includes('Review cart 2.0.0'))));
    const approve = findButton(message.blocks ?? [], `${APPROVE_ACTION_PREFIX}.review`);
    await post('/sandbox/action', { user: 'U0REVIEW', channel: 'C0SHOP', ts: message.ts, actionId: approve.actionId, blockId: approve.blockId, value: approve.value });

    await until((s) => s.cluster.find((c) => c.environment === 'live')?.traffic.some((t) => t.name === 'cart-preview' && t.weight === 20));
    // The run's closing note opens its summary, the reply that shares the deployment log: blocks, no text.
    const done = await until((s) =>
      s.channel.messages
        .find((m) => m.ts === message.ts)
        ?.replies.map((r) => `${r.text}\n${JSON.stringify(r.blocks ?? [])}`)
        .find((shown) => /Run #\S+ succeeded: `registry\.example\.com\/shop\/cart:2\.0\.0` is live in live/.test(shown)),
    );
    expect(done).toContain('*Deployment summary*');
    const live = await until((s) => {
      const target = s.cluster.find((c) => c.environment === 'live');
      return target?.deployments.some((d) => d.name === 'cart-server' && d.image.endsWith(':2.0.0') && d.ready === 3) ? target : undefined;
    });
    expect(live.traffic).toEqual([
      { name: 'cart', weight: 100 },
      { name: 'cart-preview', weight: 0 },
    ]);
    // qa is another cluster: the same namespace and Deployment name there never moved.
    expect((latest as Snapshot).cluster.find((c) => c.service === 'cart' && c.environment === 'qa')?.deployments[0]?.image).toBe('registry.example.com/shop/cart:1.1.0');
  }, 120_000);
});

describe('flightdeck sandbox with a catalog flightdeck check refuses', () => {
  it('prints the same problems as flightdeck check and does not start', async () => {
    const bad = mkdtempSync(join(tmpdir(), 'sandbox-bad-'));
    try {
      writeFileSync(join(bad, 'shop.yaml'), CATALOG.replace('    container: search\n', '    container: search\n    replica: 2\n'));
      mkdirSync(join(bad, 'checklists'));
      writeFileSync(join(bad, 'checklists/quick.yaml'), QUICK);
      writeFileSync(join(bad, 'checklists/careful.yaml'), CAREFUL.replace('kind: signoff', 'kind: sign-off'));
      const env = sandboxEnv(await freePort());
      const sandboxRun = spawnSync(process.execPath, [CLI, 'sandbox', '--catalog', 'shop.yaml', '--checklists', 'checklists'], { cwd: bad, env, encoding: 'utf8' });
      const checkRun = spawnSync(process.execPath, [CLI, 'check'], { cwd: bad, env: { ...env, FLIGHTDECK_CONFIG: 'shop.yaml', FLIGHTDECK_CHECKLISTS: 'checklists' }, encoding: 'utf8' });
      expect(checkRun.status).toBe(1);
      expect(checkRun.stderr).toMatch(/shop\.yaml:\d+:\d+ services\.search\.replica: /);
      expect(checkRun.stderr).toMatch(/careful\.yaml:\d+:\d+ /);
      expect(sandboxRun.stderr).toBe(checkRun.stderr);
      expect(sandboxRun.status).toBe(1);
      expect(sandboxRun.stdout).toBe('');
    } finally {
      rmSync(bad, { recursive: true, force: true });
    }
    // Two processes, started one after the other on a shared machine.
  }, 90_000);

  it('refuses options it does not know, and checklists without the catalog they belong to', async () => {
    const env = sandboxEnv(await freePort());
    const unknown = spawnSync(process.execPath, [CLI, 'sandbox', '--catalgo', 'shop.yaml'], { env, encoding: 'utf8' });
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain("Unknown option '--catalgo'");
    expect(unknown.stderr).toContain('Usage: flightdeck sandbox [--catalog <flightdeck.yaml> --checklists <folder>]');
    const alone = spawnSync(process.execPath, [CLI, 'sandbox', '--checklists', 'checklists'], { env, encoding: 'utf8' });
    expect(alone.status).toBe(2);
    expect(alone.stderr).toContain('--checklists needs --catalog: the demo catalog runs the shipped checklists.');
    expect(alone.stdout).toBe('');
  }, 90_000);
});
