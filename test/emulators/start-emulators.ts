import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { startKubernetesEmulator } from './kubernetes/index.js';
import { startSlackEmulator } from './slack/index.js';

/**
 * `npm run emulators`: the Slack and Kubernetes emulators on loopback, for trying flightdeck (or kubectl)
 * by hand. Writes a kubeconfig and a catalog into .flightdeck/sandbox and prints how to start flightdeck
 * against them. Runs until Ctrl-C.
 */
const dir = resolve('.flightdeck/sandbox');
mkdirSync(join(dir, 'checklists'), { recursive: true });

const slack = await startSlackEmulator({ port: Number(process.env.SLACK_EMULATOR_PORT ?? 4010), channels: ['C0DEPLOY'] });
const k8s = await startKubernetesEmulator({ port: Number(process.env.KUBE_EMULATOR_PORT ?? 4020), readyDelayMs: 1000, tls: true });
k8s.seedDeployment({ namespace: 'shop', name: 'api', container: 'api', image: 'registry.example.com/acme/api:v1.0.0', replicas: 3 });

const kubeconfig = join(dir, 'kubeconfig');
k8s.writeKubeconfig(kubeconfig, 'sandbox');
writeFileSync(
  join(dir, 'flightdeck.yaml'),
  `slack:\n  defaultChannel: C0DEPLOY\nenvironments:\n  sandbox:\n    cluster: sandbox\n    checklist: standard\nservices:\n  api:\n    namespace: shop\n    deployment: api\n    container: api\n    image: registry.example.com/acme/api\n    environments: [sandbox]\n`,
);

process.stdout.write(`Slack Web API emulator:  ${slack.apiUrl}   (bot token ${slack.token})
Kubernetes emulator:     ${k8s.url}
kubeconfig:              ${kubeconfig}   (context "sandbox"; try: kubectl --kubeconfig ${kubeconfig} get deployments -n shop)
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
