import type { KObject, KubernetesEmulator } from './kubernetes/index.js';
import { SANDBOX_START_VERSION, type SandboxTarget } from './sandbox-world.js';

const PORT = 8080;

/**
 * What a cluster holds before a first deploy, for every target: its namespace, a Deployment of three ready
 * replicas on {@link SANDBOX_START_VERSION}, and a Service in front of it; with traffic settings, the stable and
 * canary Services and an HTTPRoute sending everything to the stable one. Targets sharing a Deployment (two
 * environments in one namespace of one cluster) share it, as they would in a real cluster.
 */
export function seedSandboxClusters(clusters: ReadonlyMap<string, KubernetesEmulator>, targets: readonly SandboxTarget[]): void {
  for (const target of targets) {
    const k8s = clusters.get(target.cluster);
    if (!k8s) throw new Error(`no emulated cluster for context ${target.cluster}`);
    const { namespace, deployment, container, traffic } = target;
    if (!k8s.get('deployments', namespace, deployment)) {
      k8s.seedDeployment({ namespace, name: deployment, container, image: `${target.repository}:${SANDBOX_START_VERSION}`, replicas: 3 });
    }
    // Replica mode: the one Service selects stable and canary pods alike.
    const routed = traffic && 'route' in traffic ? traffic : undefined;
    const services = routed ? [routed.stableService, routed.canaryService] : [traffic && 'service' in traffic ? traffic.service : deployment];
    for (const name of services) createOnce(k8s, 'services', namespace, service(name, deployment, routed && name === routed.canaryService ? 'canary' : undefined));
    if (routed) {
      createOnce(k8s, 'httproutes', namespace, {
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'HTTPRoute',
        metadata: { name: routed.route },
        spec: { parentRefs: [{ name: 'public' }], rules: [{ backendRefs: [{ name: routed.stableService, port: PORT }] }] },
      });
    }
  }
}

/**
 * A Service selecting the pods of Deployment `app` (the emulator labels them `app: <name>`), or with `track`
 * only its canary's, which flightdeck's canary step labels `track: canary`.
 */
function service(name: string, app: string, track: string | undefined): KObject {
  const selector = track ? { app, track } : { app };
  return { apiVersion: 'v1', kind: 'Service', metadata: { name }, spec: { selector, ports: [{ port: PORT, targetPort: PORT }] } };
}

function createOnce(k8s: KubernetesEmulator, resource: 'services' | 'httproutes', namespace: string, body: KObject): void {
  if (!k8s.get(resource, namespace, body.metadata.name as string)) k8s.create(resource, namespace, body);
}
