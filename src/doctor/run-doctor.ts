import { checkConfig } from '../config/check-config.js';
import { loadConfig, type Config } from '../config/load-config.js';
import { loadEnv, type Env } from '../config/load-env.js';
import { resolveTarget } from '../config/resolve-target.js';
import { checkClusterAccess } from './check-cluster-access.js';
import { createClusterAccess } from '../k8s/create-cluster-access.js';
import { createProxyFetch } from '../net/create-outbound-transport.js';
import { checkPagerDuty } from './check-pagerduty.js';
import { checkPrometheus } from './check-prometheus.js';
import { checkSlackApp } from './check-slack-app.js';
import { checkRedis } from './check-redis.js';
import { type DoctorResult, failed, messageOf, ok } from './doctor-result.js';

export interface DoctorIo {
  stdout: (text: string) => void;
}

/** Each network check's bound: long enough for a slow API server, short enough for a Helm test hook. */
const TIMEOUT_MS = 5000;

const MARK: Record<DoctorResult['status'], string> = { ok: 'ok      ', degraded: 'degraded', failed: 'FAILED  ' };

/**
 * `flightdeck doctor`: everything `check` checks, then every dependency flightdeck will talk to, as this
 * process's environment configures it — Redis, Slack (token and scopes), PagerDuty, each environment's
 * Prometheus and cluster (identity and every permission in each service namespace). Prints one line per check
 * with the fix; resolves 1 when any check failed (degraded ones do not count), else 0.
 */
export async function runDoctor(processEnv: Record<string, string | undefined>, io: DoctorIo): Promise<number> {
  const results: DoctorResult[] = [];
  const print = (batch: DoctorResult[]) => {
    for (const r of batch) io.stdout(`${MARK[r.status]} ${r.check}: ${r.detail}${r.fix ? ` — fix: ${r.fix}` : ''}\n`);
    results.push(...batch);
  };
  let env: Env;
  try {
    env = loadEnv(processEnv);
  } catch (err) {
    print([failed('environment', messageOf(err).split('\n').join('; '), 'set the variables named (docs/configuration.md lists them all)')]);
    return 1;
  }
  print([ok('environment', `role ${env.role}, Slack ${env.slackAppToken ? 'Socket Mode' : 'over HTTP'}`)]);
  const config = await loadCatalog(env, print);
  print([await checkRedis(env.redisUrl, TIMEOUT_MS)]);
  print(await checkSlackApp({ apiUrl: env.slackApiUrl, botToken: env.slackBotToken, appToken: env.slackAppToken, timeoutMs: TIMEOUT_MS, fetch: createProxyFetch(env.proxy) }));
  if (config) {
    print(await checkPagerDuty(env, config.catalog, processEnv, TIMEOUT_MS));
    if (env.role === 'web') {
      print([ok('clusters', 'not checked: FLIGHTDECK_ROLE web never talks to clusters or Prometheus; run doctor with the worker\'s environment')]);
    } else {
      print(await checkEnvironments(env, config));
    }
  }
  const failures = results.filter((r) => r.status === 'failed').length;
  const degradedCount = results.filter((r) => r.status === 'degraded').length;
  io.stdout(`${failures === 0 ? 'flightdeck can run here' : `${failures} check(s) failed`}${degradedCount > 0 ? ` (${degradedCount} degraded)` : ''}\n`);
  return failures === 0 ? 0 : 1;
}

/** The catalog and checklists as `check` sees them; undefined (after printing why) when they cannot be used. */
async function loadCatalog(env: Env, print: (batch: DoctorResult[]) => void): Promise<Config | undefined> {
  const problems = await checkConfig({ configPath: env.configPath, checklistDir: env.checklistDir });
  if (problems.length > 0) {
    print([failed('catalog', `${problems.length} problem(s): ${problems.join('; ')}`, 'run flightdeck check and fix each line')]);
  }
  try {
    const config = await loadConfig(env);
    if (problems.length === 0) print([ok('catalog', `${env.configPath}: ${Object.keys(config.catalog.services).length} service(s), ${Object.keys(config.catalog.environments).length} environment(s), checklists OK`)]);
    return config;
  } catch {
    return undefined;
  }
}

async function checkEnvironments(env: Env, config: Config): Promise<DoctorResult[]> {
  const access = createClusterAccess({ kubeconfigPath: env.kubeconfig, requestTimeoutMs: env.k8sRequestTimeoutMs, proxy: env.proxy, searchPath: env.searchPath });
  const send = createProxyFetch(env.proxy);
  const checks: Array<Promise<DoctorResult>> = [];
  for (const [environment, settings] of Object.entries(config.catalog.environments)) {
    const namespaces = Object.entries(config.catalog.services)
      .filter(([, service]) => service.environments.includes(environment))
      .map(([name]) => resolveTarget(config.catalog, name, environment).namespace);
    checks.push(checkClusterAccess(access, { environment, context: settings.cluster, namespaces: [...new Set(namespaces)].sort() }, TIMEOUT_MS));
    if (settings.prometheusUrl) checks.push(checkPrometheus(environment, settings.prometheusUrl, TIMEOUT_MS, send));
  }
  return Promise.all(checks);
}
