import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../sandbox/find-redis.js';

const CHROMIUM = '/usr/bin/chromium';
const CLI = resolve(import.meta.dirname, '../../dist/src/cli.js');

let sandbox: ChildProcess;
let browser: Browser;
let page: Page;
let url: string;

/** Starts `flightdeck sandbox` as a newcomer would (no Slack variables) and resolves with the one line it prints. */
async function startSandbox(): Promise<string> {
  const port = await freePort();
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('SLACK_') && key !== 'FLIGHTDECK_ROLE' && key !== 'NODE_ENV'));
  sandbox = spawn(process.execPath, [CLI, 'sandbox'], { env: { ...env, PORT: String(port), REDIS_URL: 'redis://127.0.0.1:6379' }, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((done, fail) => {
    let out = '';
    sandbox.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const line = /^flightdeck sandbox: open (http:\/\/127\.0\.0\.1:\d+)$/m.exec(out);
      if (line) done(line[1] as string);
    });
    sandbox.once('exit', (code) => fail(new Error(`sandbox exited with ${code}: ${out}`)));
  });
}

describe.skipIf(!existsSync(CHROMIUM))('the sandbox page in a real browser', () => {
  beforeAll(async () => {
    url = await startSandbox();
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    await page.goto(url);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    if (sandbox && sandbox.exitCode === null) {
      const exited = new Promise((done) => sandbox.once('exit', done));
      sandbox.kill('SIGTERM');
      await exited;
    }
  });

  it('says it is a sandbox and shows the demo cluster', async () => {
    expect(await page.getByRole('banner').textContent()).toContain('flightdeck sandbox');
    await page.getByRole('table', { name: 'api in production' }).getByText('registry.example.com/acme/api:1.1.0').waitFor();
  });

  it('/deploy typed in the composer posts the run message with real buttons', async () => {
    await page.getByRole('textbox', { name: /^Message/ }).fill('/deploy api 1.2.0 to production');
    await page.getByRole('textbox', { name: /^Message/ }).press('Enter');
    await page.getByRole('heading', { name: 'Deploy api 1.2.0 to production' }).waitFor();
    await page.getByText('The current error rate of api is below 1%').first().waitFor();
    expect(await page.locator('#messages button').count()).toBeGreaterThan(0);
    await page.screenshot({ path: resolve(import.meta.dirname, '../../docs/sandbox-deploy.png') });
  });

  it('pushing the error rate changes what the guards read from the Prometheus endpoint', async () => {
    await page.getByRole('button', { name: 'Push error rate to 12% (api production)' }).click();
    await page.locator('#m-api-production').getByText('error rate 12.0%').waitFor();
    await page.screenshot({ path: resolve(import.meta.dirname, '../../docs/sandbox-metrics.png') });
  });
});
