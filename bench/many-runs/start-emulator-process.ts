import { fork } from 'node:child_process';
import { join } from 'node:path';
import type { MessageLagFigures } from '../message-lag.js';
import type { EmulatorAddresses, EmulatorAnswer, EmulatorRequest, EmulatorStarted, EmulatorTallies, EmulatorWorld, SlackProgress, SlashCommandContext } from './emulator-messages.js';

const ENTRY = join(import.meta.dirname, 'emulator-process.ts');
/** Seeding 10,000 Deployments on a busy machine takes a while; a process silent this long has failed. */
const START_TIMEOUT_MS = 120_000;

type Omitted<R> = R extends unknown ? Omit<R, 'id'> : never;

/** The emulator process, as the bench talks to it. */
export interface EmulatorProcess extends EmulatorAddresses {
  pid: number;
  slashCommandContext(count: number): Promise<SlashCommandContext>;
  mark(t0: number): Promise<void>;
  progress(): Promise<SlackProgress>;
  tallies(o: { runs: number; windowMs: number; slackCallLog?: string }): Promise<EmulatorTallies>;
  messageLag(o: { redisUrl: string; prefix: string; boundMs: number }): Promise<MessageLagFigures>;
  /** Closes the IPC channel, on which the process closes the emulators and exits; resolves when it has. */
  stop(): Promise<void>;
}

/**
 * Forks bench/many-runs/emulator-process.ts (under tsx) with `world` and resolves once both emulators listen.
 *
 * @throws Error when the process fails, exits or stays silent for {@link START_TIMEOUT_MS} while starting.
 */
export async function startEmulatorProcess(world: EmulatorWorld): Promise<EmulatorProcess> {
  const child = fork(ENTRY, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const addresses = await new Promise<EmulatorAddresses>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the emulator process did not start within ${START_TIMEOUT_MS} ms`)), START_TIMEOUT_MS);
    child.once('exit', (code) => reject(new Error(`the emulator process exited with ${code} while starting`)));
    child.once('message', (raw) => {
      clearTimeout(timer);
      const started = raw as EmulatorStarted;
      if (started.kind === 'started') resolve(started.addresses);
      else reject(new Error(`the emulator process could not start: ${started.error}`));
    });
    child.send(world);
  }).catch((err: unknown) => {
    child.kill('SIGKILL');
    throw err;
  });
  let nextId = 0;
  const waiting = new Map<number, (answer: EmulatorAnswer) => void>();
  child.on('message', (raw) => {
    const answer = raw as EmulatorAnswer;
    waiting.get(answer.id)?.(answer);
    waiting.delete(answer.id);
  });
  child.once('exit', () => {
    for (const [id, settle] of waiting) settle({ id, ok: false, error: 'the emulator process exited' });
    waiting.clear();
  });
  const ask = <T>(request: Omitted<EmulatorRequest>): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const id = nextId++;
      waiting.set(id, (answer) => (answer.ok ? resolve(answer.value as T) : reject(new Error(answer.error))));
      child.send({ ...request, id });
    });
  return {
    ...addresses,
    pid: child.pid ?? -1,
    slashCommandContext: (count) => ask({ kind: 'slash-command-context', count }),
    mark: (t0) => ask({ kind: 'mark', t0 }),
    progress: () => ask({ kind: 'progress' }),
    tallies: (o) => ask({ kind: 'tallies', ...o }),
    messageLag: (o) => ask({ kind: 'message-lag', ...o }),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      child.disconnect();
      await exited;
      clearTimeout(timer);
    },
  };
}
