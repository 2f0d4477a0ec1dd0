import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../sandbox/find-redis.js';

const CHROMIUM = '/usr/bin/chromium';
const CLI = resolve(import.meta.dirname, '../../dist/src/cli.js');
const IMAGE = 'registry.example.com/acme/api';
/** Any one step of the walkthrough (a rollout, a guard window) takes seconds in the sandbox; this bounds a stuck one. */
const STEP_TIMEOUT_MS = 45_000;

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

const screenshot = (name: string) => page.screenshot({ path: resolve(import.meta.dirname, `../../docs/sandbox-${name}.png`) });

/** The people switcher's options: each demo person with their roles. */
const PEOPLE = {
  riley: 'Riley Requester (deployers, tech-lead)',
  tess: 'Tess Techlead (deployers, tech-lead)',
  sam: 'Sam Security (security)',
  omar: 'Omar Ops (operations)',
  pia: 'Pia Product (product-owner)',
  oli: 'Oli Oncall (oncall)',
} as const;

const realName = (person: keyof typeof PEOPLE) => PEOPLE[person].replace(/ \(.*$/, '');

/** Switches the people switcher to `person` and waits until the page shows that person's view. */
async function actAs(person: keyof typeof PEOPLE): Promise<void> {
  await page.getByRole('combobox', { name: 'Person' }).selectOption({ label: PEOPLE[person] });
  await page.getByRole('region', { name: `Direct messages of ${realName(person)}`, exact: true }).waitFor();
}

/** The run message of the deploy, found by its header. */
function runMessage(): Locator {
  return page.getByRole('article').filter({ has: page.getByRole('heading', { name: 'Deploy api 1.2.0 to production' }) });
}

/** Clicks one of the run message's buttons and waits for the line saying who did it. */
async function press(button: RegExp, done: RegExp): Promise<void> {
  await runMessage().getByRole('button', { name: button }).click();
  await runMessage().getByText(done).waitFor();
}

function apiCluster(): Locator {
  return page.getByRole('region', { name: 'api in production', exact: true });
}

describe.skipIf(!existsSync(CHROMIUM))('the sandbox page in a real browser: deploy, sign-offs, canary, breach, page, rollback', () => {
  beforeAll(async () => {
    url = await startSandbox();
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    page.setDefaultTimeout(STEP_TIMEOUT_MS);
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

  it('says it is a sandbox, on its page and on any other a browser reaches, and shows the demo cluster on the old image', async () => {
    expect(await page.getByRole('banner').textContent()).toContain('flightdeck sandbox');
    const other = await browser.newPage();
    const missing = await other.goto(`${url}/no-such-page`);
    expect(missing?.status()).toBe(404);
    expect(await other.getByRole('banner').textContent()).toContain('flightdeck sandbox');
    await other.close();
    await page.getByRole('table', { name: 'api in production' }).getByRole('row', { name: `api ${IMAGE}:1.1.0 3/3`, exact: true }).waitFor();
    await apiCluster().getByText('traffic: api 1 ·').waitFor();
  });

  it('/deploy typed in the composer posts the run message with real buttons', async () => {
    await page.getByRole('textbox', { name: /^Message/ }).fill('/deploy api 1.2.0 to production');
    await page.getByRole('textbox', { name: /^Message/ }).press('Enter');
    await runMessage().waitFor();
    await runMessage().getByText(/✅ The current error rate of api is below 1%/).waitFor();
    await runMessage().getByRole('button', { name: /^Done: Every change in 1\.2\.0 is reviewed/ }).waitFor();
    // Every Block Kit button is a real <button>, whose accessible name is its text.
    const buttons = await runMessage().getByRole('button').evaluateAll((all) => all.map((b) => [b.tagName, b.textContent]));
    expect(buttons.length).toBeGreaterThan(0);
    expect(buttons.filter(([tag]) => tag !== 'BUTTON')).toEqual([]);
    await screenshot('deploy');
  });

  it('the requester, security and operations tick the pre-deployment items', async () => {
    // Lines of a section run together in its text, so "[^⬜✅]*" keeps each match inside one item's line.
    await press(/^Done: Unit, integration, contract and security tests pass/, /✅ Unit, integration, contract and security tests pass for 1\.2\.0[^⬜✅]* — @Riley Requester at \d\d:\d\d UTC/);
    await press(/^Done: Every change in 1\.2\.0 is reviewed/, /✅ Every change in 1\.2\.0 is reviewed and approved — @Riley Requester at \d\d:\d\d UTC/);
    await press(/^Done: Configuration and secrets for production/, /✅ Configuration and secrets for production[^⬜✅]* — @Riley Requester at \d\d:\d\d UTC/);
    await press(/^Done: The rollback procedure is reviewed/, /✅ The rollback procedure is reviewed[^⬜✅]* — @Riley Requester at \d\d:\d\d UTC/);

    await actAs('sam');
    await press(/^Done: registry\.example\.com\/acme\/api:1\.2\.0 is scanned/, /✅ registry\.example\.com\/acme\/api:1\.2\.0 is scanned[^⬜✅]* — @Sam Security at/);

    await actAs('omar');
    await press(/^Done: The database is backed up/, /✅ The database is backed up[^⬜✅]* — @Omar Ops at/);
    await press(/^Done: Dashboards, alerting rules/, /✅ Dashboards, alerting rules[^⬜✅]* — @Omar Ops at/);
    await runMessage().getByText('✅ Pre-deployment verification (9/9)').waitFor();
  });

  it("the requester's own approval is refused, shown to the requester only", async () => {
    await actAs('riley');
    await runMessage().getByRole('button', { name: /^Approve: Technical lead/ }).click();
    const refusal = page.getByRole('article').filter({ hasText: 'only visible to you' }).filter({ hasText: /so you may not approve "Technical lead: api 1\.2\.0 is ready and functioning correctly": four-eyes principle/ });
    await refusal.waitFor();

    await actAs('tess');
    expect(await page.getByText('four-eyes principle').count()).toBe(0);
  });

  it('each sign-off is given by someone holding its role', async () => {
    await press(/^Approve: Technical lead/, /✅ Technical lead: api 1\.2\.0 is ready and functioning correctly — approvals 1\/1: @Tess Techlead at/);
    await actAs('sam');
    await press(/^Approve: Security/, /✅ Security: the security posture is maintained — approvals 1\/1: @Sam Security at/);
    await actAs('omar');
    await press(/^Approve: Operations/, /✅ Operations: [^⬜✅]* — approvals 1\/1: @Omar Ops at/);
    await actAs('pia');
    await press(/^Approve: Product owner/, /✅ Product owner: the business requirements are met — approvals 1\/1: @Pia Product at/);
    await runMessage().getByText('✅ Go-live sign-offs (4/4)').waitFor();
  });

  it('the cluster view shows the canary beside the old version, as many pods (match-stable), taking 5% of the traffic', async () => {
    await apiCluster().getByRole('row', { name: `api-canary ${IMAGE}:1.2.0 3/3`, exact: true }).waitFor();
    await apiCluster().getByRole('row', { name: `api ${IMAGE}:1.1.0 3/3`, exact: true }).waitFor();
    await apiCluster().getByText('traffic: api 95, api-canary 5').waitFor();
    await screenshot('canary');
  });

  it('an error rate pushed over the threshold breaches the guard: the alert is in the channel and the thread, the run pauses', async () => {
    const metrics = page.getByRole('group', { name: 'Metrics of api in production' });
    await metrics.getByRole('button', { name: 'Push error rate to 12% (api production)' }).click();
    await metrics.getByText('error rate 12.0%').waitFor();

    const breached = /🚨 Guard Error rate above 5% for 2 minutes breached on api 1\.2\.0 in production/;
    const alert = page.getByRole('article').filter({ hasText: breached }).filter({ hasText: /On-call @Oli Oncall paged with a DM/ });
    await alert.waitFor();
    await runMessage().getByRole('group', { name: 'Thread' }).getByText(breached).first().waitFor();
    await runMessage().getByText('⏸️ paused').first().waitFor();
    await page.getByRole('region', { name: 'Incidents' }).getByText(/triggered .*guard "Error rate above 5% for 2 minutes" breached/).waitFor();
    await alert.scrollIntoViewIfNeeded();
    await screenshot('metrics');
  });

  it("the page reaches the on-call's DMs only, and their Rollback button rolls the release back", async () => {
    expect(await page.getByRole('region', { name: 'Direct messages of Pia Product' }).getByRole('article').count()).toBe(0);
    await actAs('oli');
    const dms = page.getByRole('region', { name: 'Direct messages of Oli Oncall' });
    const pageDm = dms.getByRole('article').filter({ hasText: /You are on call: 🚨 Guard Error rate above 5% for 2 minutes breached on api 1\.2\.0/ });
    await pageDm.getByRole('button', { name: 'Acknowledge' }).waitFor();
    await pageDm.scrollIntoViewIfNeeded();
    await screenshot('page');

    await pageDm.getByRole('button', { name: 'Rollback' }).click();
    await dms.getByText(/⏪ Rollback of run #\S+ requested by @Oli Oncall\./).waitFor();
    await apiCluster().getByText('traffic: api 100, api-canary 0').waitFor();
    await apiCluster().getByRole('row', { name: `api-canary ${IMAGE}:1.2.0 0/0`, exact: true }).waitFor();
    await apiCluster().getByRole('row', { name: `api ${IMAGE}:1.1.0 3/3`, exact: true }).waitFor();
    await runMessage().getByText(/↩️ rolled back/).first().waitFor();
    // The summary shares the deployment log: one reply, its blocks with the file under them.
    const summary = runMessage().getByRole('group', { name: 'Thread' }).getByRole('article').filter({ hasText: /Deployment summary — run #\S+: api 1\.2\.0 to production/ });
    await summary.getByText(/^📎 Deployment log — run #\S+: api 1\.2\.0 to production \(deployment-log-run-\S+\.md\)$/).waitFor();
    await runMessage().getByRole('heading', { name: 'Deploy api 1.2.0 to production' }).scrollIntoViewIfNeeded();
    await screenshot('rollback');
  });

  it('/deploy with nothing after it opens the deploy modal as a dialog; filled and submitted, it starts the run', async () => {
    await actAs('tess');
    const composer = page.getByRole('textbox', { name: /^Message/ });
    expect(await composer.getAttribute('aria-label')).toBe('Message #deploys');
    await composer.fill('/deploy');
    await composer.press('Enter');
    const modal = page.getByRole('dialog', { name: 'Deploy' });
    await modal.getByRole('combobox', { name: 'Service' }).selectOption('web');
    await modal.getByRole('combobox', { name: 'Environment' }).selectOption('staging');
    await modal.getByRole('textbox', { name: 'Version', exact: true }).fill('2.0.0');
    await screenshot('modal');
    await modal.getByRole('button', { name: 'Deploy' }).click();

    await modal.getByText(/Run #\S+: deploying web 2\.0\.0 to staging\. The checklist is posted in #deploys\./).waitFor();
    const started = page.getByRole('article').filter({ has: page.getByRole('heading', { name: 'Deploy web 2.0.0 to staging' }) });
    await started.getByText(/requested by @Tess Techlead/).waitFor();
    await modal.getByRole('button', { name: 'Done' }).click();
    await modal.waitFor({ state: 'detached' });
  }, STEP_TIMEOUT_MS * 2);

  it("a button's confirm opens as a dialog: Keep going changes nothing, Abort aborts", async () => {
    const run = page.getByRole('article').filter({ has: page.getByRole('heading', { name: 'Deploy web 2.0.0 to staging' }) });
    const confirm = page.getByRole('dialog', { name: 'Abort this run?' });
    await run.getByRole('button', { name: 'Abort' }).click();
    await confirm.getByText(/Nothing has reached the cluster yet: the run ends aborted\./).waitFor();
    await confirm.getByRole('button', { name: 'Keep going' }).click();
    await confirm.waitFor({ state: 'detached' });
    await run.getByRole('button', { name: 'Abort' }).click();
    await confirm.getByRole('button', { name: 'Abort' }).click();
    // The run's state line, in the message itself (its thread says "aborted" too, and may say it first).
    await run.getByText(/Run #\S+ · requested by @Tess Techlead at \d\d:\d\d UTC · 🚫 aborted/).waitFor();
    expect(await run.getByRole('button', { name: 'Abort' }).count()).toBe(0);
  }, STEP_TIMEOUT_MS * 2);
});
