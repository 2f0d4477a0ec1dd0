import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { goUnavailable } from '../test/helm/render-chart.js';
import { renderChartRbac } from '../test/helm/chart-rbac-objects.js';
import { type KObject, startKubernetesEmulator } from './kubernetes/index.js';
import { WEB_ACCOUNT, WORKER_ACCOUNT, loadChartRbac } from './kubernetes/load-chart-rbac.js';
import { startSlackEmulator } from './slack/index.js';

/**
 * `npm run emulators`: the Slack and Kubernetes emulators on loopback, for trying flightdeck (or kubectl)
 * by hand. The cluster enforces the RBAC of helm/flightdeck (default values, `rbac.targetNamespaces: [shop]`),
 * rendered now when Go is installed, else from the committed rendering. Writes one kubeconfig per identity
 * (the chart's worker and web accounts, and an admin) and a catalog into .flightdeck/sandbox, and prints how
 * to start flightdeck against them. Runs until Ctrl-C.
 */
const dir = resolve('.flightdeck/sandbox');
mkdirSync(join(dir, 'checklists'), { recursive: true });

const slack = await startSlackEmulator({ port: Number(process.env.SLACK_EMULATOR_PORT ?? 4010), channels: ['C0DEPLOY'] });
const k8s = await startKubernetesEmulator({ port: Number(process.env.KUBE_EMULATOR_PORT ?? 4020), readyDelayMs: 1000, tls: true });
k8s.seedDeployment({ namespace: 'shop', name: 'api', container: 'api', image: 'registry.example.com/acme/api:v1.0.0', replicas: 3 });

const goMissing = goUnavailable();
const rbac: KObject[] = goMissing === undefined ? renderChartRbac() : loadChartRbac();
k8s.applyRbac(rbac);
const rbacSource = goMissing === undefined ? 'rendered from helm/flightdeck just now' : `the committed rendering (${goMissing})`;

const kubeconfig = join(dir, 'kubeconfig');
const webKubeconfig = join(dir, 'kubeconfig-web');
const adminKubeconfig = join(dir, 'kubeconfig-admin');
k8s.writeKubeconfig(kubeconfig, 'sandbox', k8s.serviceAccountToken(WORKER_ACCOUNT.namespace, WORKER_ACCOUNT.name));
k8s.writeKubeconfig(webKubeconfig, 'sandbox', k8s.serviceAccountToken(WEB_ACCOUNT.namespace, WEB_ACCOUNT.name));
k8s.writeKubeconfig(adminKubeconfig, 'sandbox');
writeFileSync(
  join(dir, 'flightdeck.yaml'),
  `slack:\n  defaultChannel: C0DEPLOY\nenvironments:\n  sandbox:\n    cluster: sandbox\n    checklist: standard\nservices:\n  api:\n    namespace: shop\n    deployment: api\n    container: api\n    image: registry.example.com/acme/api\n    environments: [sandbox]\n`,
);

process.stdout.write(`Slack Web API emulator:  ${slack.apiUrl}   (bot token ${slack.token})
Kubernetes emulator:     ${k8s.url}
RBAC:                    the chart's Role and bindings, ${rbacSource}
kubeconfigs (context "sandbox"):
  worker (flightdeck's):  ${kubeconfig}   system:serviceaccount:${WORKER_ACCOUNT.namespace}:${WORKER_ACCOUNT.name}
  web (no rights):        ${webKubeconfig}   system:serviceaccount:${WEB_ACCOUNT.namespace}:${WEB_ACCOUNT.name}
  admin (everything):     ${adminKubeconfig}
  try: kubectl --kubeconfig ${kubeconfig} auth can-i create deployments -n shop
       kubectl --kubeconfig ${adminKubeconfig} get deployments -A
catalog:                 ${join(dir, 'flightdeck.yaml')}

Start flightdeck against them (in another terminal, from the repository root):
  SLACK_BOT_TOKEN=${slack.token} SLACK_SIGNING_SECRET=sandbox-secret SLACK_API_URL=${slack.apiUrl} \\
  FLIGHTDECK_CONFIG=${join(dir, 'flightdeck.yaml')} FLIGHTDECK_CHECKLISTS=${resolve('checklists')} \\
  KUBECONFIG=${kubeconfig} npm start

Press Ctrl-C to stop the emulators.
`);

const stop = async () => {
  await Promise.all([slack.close(), k8s.close()]);
  process.exit(0);
};
process.once('SIGINT', () => void stop());
process.once('SIGTERM', () => void stop());
