import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { freePort } from './free-port.js';
import { waitUntil } from './wait-until.js';

export interface FlightdeckProcessOptions {
  slackApiUrl: string;
  signingSecret: string;
  botToken: string;
  kubeconfigPath: string;
  /** flightdeck.yaml content. */
  catalog: string;
  /** Checklist files by name (without .yaml). */
  checklists: Record<string, string>;
  env?: Record<string, string>;
  /** The built `cli.js` to run; default this checkout's `dist/src/cli.js` (another build: an older flightdeck). */
  cli?: string;
}

export interface FlightdeckProcess {
  url: string;
  eventsUrl: string;
  redisPrefix: string;
  child: ChildProcess;
  output(): string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** How long a started flightdeck may take to answer /healthz before the test gives up on it. */
const START_TIMEOUT_MS = 60_000;

const CLI = resolve(import.meta.dirname, '../../dist/src/cli.js');

/** Starts the built flightdeck as its own process, configured only through files and environment. */
export async function startFlightdeckProcess(options: FlightdeckProcessOptions): Promise<FlightdeckProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'flightdeck-e2e-'));
  mkdirSync(join(dir, 'checklists'));
  writeFileSync(join(dir, 'flightdeck.yaml'), options.catalog);
  for (const [name, text] of Object.entries(options.checklists)) writeFileSync(join(dir, 'checklists', `${name}.yaml`), text);
  const port = await freePort();
  const redisPrefix = options.env?.REDIS_PREFIX ?? `e2e-${randomBytes(4).toString('hex')}`;
  const child = spawn(process.execPath, [options.cli ?? CLI, 'serve'], {
    cwd: dir,
    env: {
      PATH: process.env.PATH ?? '',
      SLACK_BOT_TOKEN: options.botToken,
      SLACK_SIGNING_SECRET: options.signingSecret,
      SLACK_API_URL: options.slackApiUrl,
      FLIGHTDECK_CONFIG: join(dir, 'flightdeck.yaml'),
      KUBECONFIG: options.kubeconfigPath,
      REDIS_PREFIX: redisPrefix,
      PORT: String(port),
      LOG_LEVEL: 'debug',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const url = `http://127.0.0.1:${port}`;
  // A process that exits while starting (a refused configuration) has failed for good: say so at once rather
  // than after the start timeout, which a throw inside waitUntil would only retry until.
  let exited: (() => void) | undefined;
  const exit = new Promise<never>((_, reject) => {
    exited = () => reject(new Error(`flightdeck exited with ${child.exitCode ?? child.signalCode}:\n${output}`));
    child.once('exit', exited);
  });
  try {
    await Promise.race([
      exit,
      waitUntil(`flightdeck to answer on ${url}/healthz`, async () => {
        const response = await fetch(`${url}/healthz`).catch(() => undefined);
        return response?.ok ? true : undefined;
        // A cold start (loading the compiled modules, connecting to Redis) takes 1–2 s on a quiet machine; with
        // several e2e files starting processes on two busy cores it has taken over 20 s.
      }, START_TIMEOUT_MS),
    ]);
    if (exited) child.off('exit', exited);
  } catch (err) {
    child.kill('SIGKILL');
    throw new Error(`${(err as Error).message}\n--- flightdeck output ---\n${output}`);
  }
  return {
    url,
    eventsUrl: `${url}/slack/events`,
    redisPrefix,
    child,
    output: () => output,
    async stop(signal = 'SIGTERM') {
      // A child killed by a signal keeps exitCode null and will never emit 'exit' again.
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}
