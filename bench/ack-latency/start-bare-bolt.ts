import { spawn, type ChildProcess } from 'node:child_process';
import { join, resolve } from 'node:path';
import { freePort } from '../../test/support/free-port.js';
import { waitUntil } from '../../test/support/wait-until.js';

/** The ack-only Bolt app, running as its own process like flightdeck does. */
export interface BareBolt {
  eventsUrl: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

const REPO = resolve(import.meta.dirname, '../..');

/**
 * Starts `bare-bolt-app.ts` on a free port. Fails (killing it) when it exits or does not answer
 * `/healthz` within 20 s, with its output in the message.
 */
export async function startBareBolt(options: { signingSecret: string; botToken: string; slackApiUrl: string }): Promise<BareBolt> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'bare-bolt-app.ts')], {
    cwd: REPO,
    env: { PATH: process.env.PATH ?? '', PORT: String(port), SLACK_SIGNING_SECRET: options.signingSecret, SLACK_BOT_TOKEN: options.botToken, SLACK_API_URL: options.slackApiUrl },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitUntil('the bare Bolt app to answer /healthz', async () => {
      if (child.exitCode !== null) throw new Error(`bare Bolt app exited with ${child.exitCode}:\n${output}`);
      const response = await fetch(`${url}/healthz`).catch(() => undefined);
      return response?.ok ? true : undefined;
    });
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  return {
    eventsUrl: `${url}/slack/events`,
    child,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((done) => child.once('exit', done));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}
