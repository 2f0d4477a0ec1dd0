#!/usr/bin/env node
import { fileURLToPath } from 'node:url';
import { runImportChecklist } from './checklist/markdown/run-import-checklist.js';
import { checkConfig } from './config/check-config.js';
import { loadCatalog } from './config/load-catalog.js';
import { loadConfig } from './config/load-config.js';
import { execPluginProblems } from './k8s/exec-plugin-problem.js';
import { runDoctor } from './doctor/run-doctor.js';
import { runInit } from './init/run-init.js';
import { loadEnv, type Env } from './config/load-env.js';
import { parseRedisTarget } from './config/redis-target.js';
import { sandboxRefusal, servesSandboxByDefault } from './config/sandbox-eligibility.js';
import { isFlightdeckError } from './errors/flightdeck-error.js';
import { createLogger, type Logger } from './observability/create-logger.js';
import { runAuditCommand } from './run/store/run-audit-command.js';
import { runLogCommand } from './run/store/run-log-command.js';
import { createQueues } from './queue/engine/create-queues.js';
import { RunEngine } from './queue/engine/run-engine.js';
import { runLocksCommand } from './run/store/run-locks-command.js';
import { runRunsCommand } from './run/store/run-runs-command.js';
import { runManifest } from './slack/run-manifest.js';
import { COMMANDS, startFlightdeck, type ListenOptions } from './start-flightdeck.js';
import { answerSupervisor } from './roles/answer-supervisor.js';
import { lowerPriority, SUPERVISED_WORKER_NICENESS } from './roles/lower-priority.js';
import { superviseWorker, type WorkerSupervisor } from './roles/supervise-worker.js';

const USAGE = `Usage: flightdeck <command>

Commands:
  serve            Run flightdeck (role from FLIGHTDECK_ROLE: web, worker or all). The default. With no Slack
                   credentials and no catalog, outside production, it starts the sandbox instead.
  sandbox [--catalog <file> --checklists <folder>]
                   Try flightdeck on this machine: emulated Slack, cluster, Prometheus and PagerDuty,
                   driven from a page on http://127.0.0.1:PORT (from a clone; not in the production image).
                   With the options: your own catalog and checklists, validated as check does.
  init --channel <channel ID> [--dir <folder>] [--environment <name>] [--context <kube context>] [--no-cluster] [--force]
                   Write a starter flightdeck.yaml and checklists/standard.yaml that pass check: one service per
                   Deployment the current kubeconfig context shows. Overwrites nothing without --force.
  check [file...]  Validate the catalog and every checklist (or just the named checklist files), and that no
                   environment's kubeconfig context needs an exec credential plugin missing from PATH.
  doctor           Everything check does, then reach Redis, Slack (token, scopes), PagerDuty, each environment's
                   Prometheus and cluster (identity, every permission needed); one line per check with the fix,
                   exit 1 on any failure. Reads the same environment as serve.
  import-checklist <file.md> [--name <name>]
                   Print a checklist converted from Markdown as YAML (name: the redirect target's, else the file's).
  manifest (--url https://<host> | --socket) [--name <app name>] [--json]
                   Print the Slack app manifest: slash commands, scopes, request URLs or Socket Mode.
  runs list [--stale | --stuck [--for <duration>]]
                   Active runs, and runs whose Slack message does not show their latest change yet (REDIS_URL,
                   REDIS_PREFIX); --stale: only messages behind for longer than MESSAGE_LAG_BOUND_MS; --stuck: only
                   running runs overdue by more than --for (default 10m) past their step's timeout (exit 1 if any).
  runs end <id> --reason <text> [--by <name>]
                   Stop a run as /deploy cancel does (a rollback follows if it changed the cluster); audited.
  locks list | locks release <service> <environment> --reason <text> [--by <name>]
                   Held locks; release a person's lock or one left by a lost run (not an active run's); audited.
  audit [--since <ISO time|duration>] [--service <name>] [--format jsonl|csv]
                   Every audit entry still kept (the day archives, then the live stream), oldest first, to stdout:
                   one JSON object (default) or CSV row each, for a log shipper (REDIS_URL, REDIS_PREFIX).
  log <run id>     The run's deployment log as Markdown (what an ended run posts in its thread, written now):
                   phases with who did what when, incidents, rollback, follow-ups, timeline. Exit 1: no such run.
  help             Show this text.`;

/** Below Kubernetes' default 30 s grace period; the Helm chart sets terminationGracePeriodSeconds to match. */
const SHUTDOWN_DEADLINE_MS = 25_000;

/** Not a user's option: the argument with which role `all` starts its worker process. */
const SUPERVISED_WORKER = '--supervised-worker';

async function serve(args: string[]): Promise<number> {
  if (servesSandboxByDefault(process.env)) return sandbox([]);
  const env = loadEnv(process.env);
  const supervised = env.role === 'worker' && args.includes(SUPERVISED_WORKER);
  // Role `all` and its worker process write to one stdout (the worker inherits it).
  const logger = createLogger(env.logLevel, undefined, { secrets: secretsOf(env), sharedStdout: env.role === 'all' || supervised });
  const config = await loadConfig(env);
  // A library promise nobody awaits (as Bolt 5.1's HTTPReceiver once had for a `payload=null` body, now refused
  // before it) would by Node's default end the whole process, and every run's work in it, for one request.
  // Log it and keep serving: all state is in Redis, and that request simply gets no answer.
  process.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled rejection; the request that caused it was dropped'));
  // Role `all` answers Slack here and runs the workers in a child process, so that steps, renders and their
  // garbage collection never hold up an ack: the `web + worker` layout, in one container.
  const supervisor = env.role === 'all' ? superviseWorker({ entry: fileURLToPath(import.meta.url), args: ['serve', SUPERVISED_WORKER], env: { ...process.env, FLIGHTDECK_ROLE: 'worker' }, logger }) : undefined;
  // Its supervisor answers Slack: given a CPU both want, the ack goes first.
  if (supervised) lowerPriority(SUPERVISED_WORKER_NICENESS, logger);
  const listen: ListenOptions = supervisor ? { worker: supervisor } : supervised ? { opsServer: false } : {};
  let flightdeck: Awaited<ReturnType<typeof startFlightdeck>>;
  try {
    flightdeck = await startFlightdeck(supervisor ? { ...config, env: withRole(config.env, 'web') } : config, logger, Date.now, listen);
  } catch (err) {
    await supervisor?.stop('SIGTERM');
    throw err;
  }
  logger.info({ role: env.role, ...(supervised ? { supervised } : {}) }, 'flightdeck started');
  // A supervisor that vanished without a signal (killed, crashed) leaves this worker as the container would be left: gone.
  const link = supervised
    ? answerSupervisor(flightdeck, () => {
        logger.error('the role all process supervising this worker is gone; exiting with jobs still held');
        process.exit(1);
      })
    : undefined;
  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      // Ctrl-C signals the worker process as well as its supervisor, which then sends SIGTERM: one stop is enough.
      if (stopping) return;
      stopping = true;
      logger.info({ signal, deadlineMs: SHUTDOWN_DEADLINE_MS }, 'shutting down');
      // Kubernetes kills the pod after terminationGracePeriodSeconds (30 s by default); leave before that,
      // so the exit is ours and logged. Jobs still held are recovered by other workers once their locks lapse.
      const deadline = setTimeout(() => {
        logger.error('shutdown did not finish in time; exiting with jobs still held');
        process.exit(1);
      }, SHUTDOWN_DEADLINE_MS);
      deadline.unref();
      void Promise.all([
        flightdeck.stop().then(
          () => 0,
          (err: unknown) => {
            logger.error({ err }, 'shutdown failed');
            return 1;
          },
        ),
        stopWorker(supervisor, logger),
      ]).then(([own, worker]) => {
        clearTimeout(deadline);
        link?.close();
        if (own === 0 && worker === 0) logger.info('stopped');
        resolve(own === 0 && worker === 0 ? 0 : 1);
      });
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
}

/** `env` with another role; copied by descriptor, since a spread would drop the secrets (non-enumerable by design). */
function withRole(env: Env, role: Env['role']): Env {
  return Object.defineProperties({} as Env, { ...Object.getOwnPropertyDescriptors(env), role: { value: role, enumerable: true } });
}

/** Stops the worker process, if there is one; 0 when it exited cleanly. */
async function stopWorker(supervisor: WorkerSupervisor | undefined, logger: Logger): Promise<number> {
  if (!supervisor) return 0;
  const code = await supervisor.stop('SIGTERM');
  if (code !== 0) logger.error({ code }, 'the worker process did not stop cleanly');
  return code === 0 ? 0 : 1;
}

/** What src/cli.ts needs of sandbox/start-sandbox.ts, which the production image does not contain. */
interface SandboxModule {
  startSandbox(
    args: string[],
    env: Record<string, string | undefined>,
    io: { stdout: (text: string) => void; stderr: (text: string) => void },
  ): Promise<{ stop(): Promise<void> } | number>;
}

async function sandbox(args: string[]): Promise<number> {
  const refusal = sandboxRefusal(process.env);
  if (refusal !== undefined) {
    process.stderr.write(`The sandbox does not start here: ${refusal}. Configure flightdeck instead (docs/configuration.md).\n`);
    return 2;
  }
  // Loaded by a computed path so that the compiler and the production image (without sandbox/) never need it.
  const entry = new URL('../sandbox/start-sandbox.js', import.meta.url).href;
  let module: SandboxModule;
  try {
    module = (await import(entry)) as SandboxModule;
  } catch (err) {
    if ((err as { code?: string }).code !== 'ERR_MODULE_NOT_FOUND') throw err;
    process.stderr.write('The sandbox is not part of this install; run it from a clone of flightdeck: npm install && npm start\n');
    return 2;
  }
  const running = await module.startSandbox(args, process.env, {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
  });
  if (typeof running === 'number') return running;
  return new Promise<number>((resolve) => {
    const stop = () => void running.stop().then(() => resolve(0), () => resolve(1));
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
}

/** Secret values the logger blanks wherever they appear, including the passwords inside REDIS_URL. */
function secretsOf(env: Env): string[] {
  const secrets = [env.slackBotToken, env.slackSigningSecret ?? ''];
  const target = parseRedisTarget(env.redisUrl);
  if (target.kind !== 'server') {
    for (const password of [target.password, target.kind === 'sentinel' ? target.sentinelPassword : undefined]) if (password) secrets.push(password);
    return secrets;
  }
  // loadEnv has already proved the URL parses.
  const password = new URL(target.url).password;
  if (password) secrets.push(password, decodeURIComponent(password));
  return secrets;
}

async function check(files: string[]): Promise<number> {
  const env = loadEnv({ ...process.env, FLIGHTDECK_ROLE: 'worker', SLACK_BOT_TOKEN: process.env.SLACK_BOT_TOKEN ?? 'unused-by-check' });
  const problems = await checkConfig({ configPath: env.configPath, checklistDir: env.checklistDir, files: files.length > 0 ? files : undefined });
  if (problems.length === 0 && files.length === 0) {
    const contexts = Object.values((await loadCatalog(env.configPath)).environments).map((environment) => environment.cluster);
    problems.push(...execPluginProblems(env.kubeconfig, contexts, env.searchPath));
  }
  if (problems.length === 0) {
    process.stdout.write(files.length > 0 ? `${files.length} checklist file(s) OK\n` : `${env.configPath} and its checklists are OK\n`);
    return 0;
  }
  process.stderr.write(`${problems.join('\n')}\n${problems.length} problem(s) found\n`);
  return 1;
}

async function run(args: string[]): Promise<number> {
  const [command = 'serve', ...rest] = args;
  switch (command) {
    case 'serve':
      return serve(rest);
    case 'check':
      return check(rest);
    case 'sandbox':
      return sandbox(rest);
    case 'doctor':
      return runDoctor(process.env, { stdout: (text) => process.stdout.write(text) });
    case 'init':
      return runInit(rest, { kubeconfig: process.env.KUBECONFIG, searchPath: process.env.PATH }, {
        stdout: (text) => process.stdout.write(text),
        stderr: (text) => process.stderr.write(text),
      });
    case 'import-checklist':
      return runImportChecklist(rest, {
        stdout: (text) => process.stdout.write(text),
        stderr: (text) => process.stderr.write(text),
      });
    case 'manifest':
      return runManifest(rest, COMMANDS, {
        stdout: (text) => process.stdout.write(text),
        stderr: (text) => process.stderr.write(text),
      });
    case 'runs': {
      const env = loadEnv({ ...process.env, FLIGHTDECK_ROLE: 'worker', SLACK_BOT_TOKEN: process.env.SLACK_BOT_TOKEN ?? 'unused-by-runs' });
      const io = { stdout: (text: string) => process.stdout.write(text), stderr: (text: string) => process.stderr.write(text) };
      return runRunsCommand(rest, env, io, {
        now: Date.now,
        // `runs end` enqueues what the transition asks (the render, a rollback) as a worker would.
        openEngine: (redis, store) => {
          const queues = createQueues(redis, env.redisPrefix);
          const engine = new RunEngine({ store, queues, now: Date.now, logger: createLogger('warn', process.stderr) });
          return { apply: (runId, event) => engine.apply(runId, event), close: () => queues.close() };
        },
      });
    }
    case 'locks':
      return runLocksCommand(rest, loadEnv({ ...process.env, FLIGHTDECK_ROLE: 'worker', SLACK_BOT_TOKEN: process.env.SLACK_BOT_TOKEN ?? 'unused-by-locks' }), {
        stdout: (text) => process.stdout.write(text),
        stderr: (text) => process.stderr.write(text),
      }, Date.now);
    case 'audit':
      return runAuditCommand(rest, loadEnv({ ...process.env, FLIGHTDECK_ROLE: 'worker', SLACK_BOT_TOKEN: process.env.SLACK_BOT_TOKEN ?? 'unused-by-audit' }), {
        // A long export into a slow pipe waits for it instead of buffering the whole log in memory.
        stdout: (text) => new Promise<void>((resolve) => (process.stdout.write(text) ? resolve() : process.stdout.once('drain', () => resolve()))),
        stderr: (text) => process.stderr.write(text),
      });
    case 'log':
      return runLogCommand(rest, loadEnv({ ...process.env, FLIGHTDECK_ROLE: 'worker', SLACK_BOT_TOKEN: process.env.SLACK_BOT_TOKEN ?? 'unused-by-log' }), {
        stdout: (text) => process.stdout.write(text),
        stderr: (text) => process.stderr.write(text),
      }, Date.now);
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(`${USAGE}\n`);
      return 0;
    default:
      process.stderr.write(`Unknown command "${command}".\n${USAGE}\n`);
      return 2;
  }
}

run(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    // Configuration problems are the operator's to fix: print them plainly, without a stack trace.
    process.stderr.write(isFlightdeckError(err) ? `${err.message}\n${err.remedy ? `${err.remedy}\n` : ''}` : `${(err as Error).stack ?? String(err)}\n`);
    process.exitCode = 1;
  },
);
