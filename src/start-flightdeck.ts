import { Redis } from 'ioredis';
import { deployCommand } from '../commands/deploy.js';
import type { CommandDefinition } from '../commands/command-definition.js';
import type { Config } from './config/load-config.js';
import { createClusterAccess } from './k8s/create-cluster-access.js';
import type { Logger } from './observability/create-logger.js';
import { createQueues } from './queue/create-queues.js';
import { RunEngine } from './queue/run-engine.js';
import { startWorkers, type RunningWorkers } from './queue/start-workers.js';
import { RunStore } from './run/run-store.js';
import { createSlackApp, type SlackApp } from './slack/create-slack-app.js';
import { createSlackClient, SlackNotifier } from './slack/slack-notifier.js';

export const COMMANDS: readonly CommandDefinition<unknown>[] = [deployCommand as CommandDefinition<unknown>];

export interface Flightdeck {
  /** Stops taking work, lets running steps hand their jobs back, and closes every connection. */
  stop(): Promise<void>;
}

/**
 * The composition root: one process, one or both roles. Everything that outlives a request is in Redis,
 * so any number of these processes can run side by side.
 */
export async function startFlightdeck(config: Config, logger: Logger, now: () => number = Date.now): Promise<Flightdeck> {
  const { env } = config;
  const redisOptions = { maxRetriesPerRequest: null, lazyConnect: false } as const;
  const redis = new Redis(env.redisUrl, redisOptions);
  // Workers block on their own connection; sharing it with commands would stall them behind BRPOPLPUSH-style waits.
  const workerConnection = new Redis(env.redisUrl, redisOptions);
  const store = new RunStore(redis, env.redisPrefix);
  const queues = createQueues(redis, env.redisPrefix);
  const engine = new RunEngine({ store, queues, now, logger });
  const slackClient = createSlackClient({ token: env.slackBotToken, apiUrl: env.slackApiUrl });

  let slackApp: SlackApp | undefined;
  let workers: RunningWorkers | undefined;
  if (env.role === 'web' || env.role === 'all') {
    slackApp = createSlackApp({
      token: env.slackBotToken,
      signingSecret: env.slackSigningSecret ?? '',
      apiUrl: env.slackApiUrl,
      port: env.port,
      commands: COMMANDS,
      services: { config, store, engine, now },
      logger,
    });
    await slackApp.start();
    logger.info({ port: env.port }, 'listening for Slack at /slack/events');
  }
  if (env.role === 'worker' || env.role === 'all') {
    workers = startWorkers({
      connection: workerConnection,
      redis,
      keyPrefix: env.redisPrefix,
      store,
      engine,
      clusters: createClusterAccess({ kubeconfigPath: env.kubeconfig }),
      notifier: new SlackNotifier(slackClient),
      logger,
      now,
      concurrency: env.workerConcurrency,
    });
    logger.info({ concurrency: env.workerConcurrency }, 'workers started');
  }
  return {
    async stop() {
      await slackApp?.stop();
      await workers?.close();
      await queues.close();
      redis.disconnect();
      workerConnection.disconnect();
    },
  };
}
