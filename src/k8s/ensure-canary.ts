import { PatchStrategy, type V1Deployment, setHeaderOptions } from '@kubernetes/client-node';
import type { ClusterClient } from './create-cluster-access.js';
import { type ContainerRef, type DeploymentRef, describeDeployment, toPlainJson } from './deployment-ref.js';
import { findContainer } from './read-deployment-snapshot.js';
import { toK8sError } from './to-k8s-error.js';

/** The label that sets canary and preview pods (and their Service's selector) apart from stable ones. */
export const TRACK_LABEL = 'track';

/** A Deployment beside the stable one: a canary, or a blue-green preview. Its pods carry `track: <track>`. */
export type Track = 'canary' | 'preview';

export interface EnsureCanaryOptions {
  /** Replicas of a newly created canary; default 1. An existing canary keeps its count (see scaleDeployment). */
  replicas?: number;
  /** Default `canary`: `<deployment>-canary`; `preview` makes `<deployment>-preview`. */
  track?: Track;
  /** Added to a newly created canary's annotations (an existing one keeps its own). */
  annotations?: Record<string, string>;
}

export interface EnsureCanaryResult {
  /** `<deployment>-canary` or `<deployment>-preview`. */
  name: string;
  created: boolean;
  /** True when an existing canary was patched to the image. */
  updated: boolean;
}

/** `web` → `web-canary`. */
export function canaryName(deployment: string): string {
  return `${deployment}-canary`;
}

/** `web` → `web-preview`: the blue-green preview Deployment. */
export function previewName(deployment: string): string {
  return `${deployment}-preview`;
}

/**
 * Creates `<deployment>-canary` (or `-preview`) from the stable Deployment's pod template with `image` in the
 * named container and `track: canary` (`preview`) added to its labels and selector (so it selects only its own
 * pods), or, when it exists,
 * points its container at `image`. Idempotent: a re-run with the same image sends nothing.
 * Throws only FlightdeckErrors (toK8sError mapping; k8s-invalid when the container does not exist).
 */
export async function ensureCanary(client: ClusterClient, ref: ContainerRef, image: string, options: EnsureCanaryOptions = {}): Promise<EnsureCanaryResult> {
  const track = options.track ?? 'canary';
  const name = track === 'canary' ? canaryName(ref.deployment) : previewName(ref.deployment);
  const canaryRef = { ...ref, deployment: name };
  const existing = await readOptional(client, canaryRef);
  if (existing) {
    if (findContainer(existing, canaryRef).image === image) return { name, created: false, updated: false };
    try {
      await client.apps.patchNamespacedDeployment(
        { name, namespace: ref.namespace, body: { spec: { template: { spec: { containers: [{ name: ref.container, image }] } } } } },
        setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
      );
    } catch (err) {
      throw toK8sError(err, 'patch', describeDeployment(canaryRef));
    }
    return { name, created: false, updated: true };
  }

  let stable: V1Deployment;
  try {
    stable = await client.apps.readNamespacedDeployment({ name: ref.deployment, namespace: ref.namespace });
  } catch (err) {
    throw toK8sError(err, 'get', describeDeployment(ref));
  }
  const body = canaryManifest(stable, ref, image, options.replicas ?? 1, track, options.annotations);
  try {
    await client.apps.createNamespacedDeployment({ namespace: ref.namespace, body });
  } catch (err) {
    const mapped = toK8sError(err, 'create', describeDeployment(canaryRef));
    // Created by a concurrent attempt (a retried step): converge on it instead of failing.
    if (mapped.code === 'k8s-conflict' && (await readOptional(client, canaryRef))) return ensureCanary(client, ref, image, options);
    throw mapped;
  }
  return { name, created: true, updated: false };
}

/** The Deployment, or undefined when it does not exist; other failures throw the toK8sError mapping. */
export async function readOptional(client: ClusterClient, ref: DeploymentRef): Promise<V1Deployment | undefined> {
  try {
    return await client.apps.readNamespacedDeployment({ name: ref.deployment, namespace: ref.namespace });
  } catch (err) {
    const mapped = toK8sError(err, 'get', describeDeployment(ref));
    if (mapped.code === 'k8s-not-found') return undefined;
    throw mapped;
  }
}

/**
 * The canary (or blue-green preview) Deployment made from the stable one: its pod template with `image` in the
 * named container and `track: <track>` in its labels and selector, so it selects only its own pods.
 * Throws k8s-invalid when the stable Deployment has no such container.
 */
export function canaryManifest(stable: V1Deployment, ref: ContainerRef, image: string, replicas: number, track: Track = 'canary', annotations: Record<string, string> = {}): V1Deployment {
  findContainer(stable, ref);
  const name = track === 'canary' ? canaryName(ref.deployment) : previewName(ref.deployment);
  const template = toPlainJson(stable.spec?.template) as { metadata?: { labels?: Record<string, string> }; spec?: { containers?: Array<{ name: string; image?: string }> } };
  template.metadata = { ...template.metadata, labels: { ...template.metadata?.labels, [TRACK_LABEL]: track } };
  for (const c of template.spec?.containers ?? []) if (c.name === ref.container) c.image = image;
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name,
      namespace: ref.namespace,
      labels: { ...stable.metadata?.labels, [TRACK_LABEL]: track },
      // Names the stable Deployment it was made from: `flightdeck.dev/canary-of`, `flightdeck.dev/preview-of`.
      annotations: { ...annotations, [`flightdeck.dev/${track}-of`]: ref.deployment },
    },
    spec: {
      replicas,
      selector: { matchLabels: { ...stable.spec?.selector?.matchLabels, [TRACK_LABEL]: track } },
      template,
      ...(stable.spec?.strategy ? { strategy: toPlainJson(stable.spec.strategy) } : {}),
      ...(stable.spec?.progressDeadlineSeconds === undefined ? {} : { progressDeadlineSeconds: stable.spec.progressDeadlineSeconds }),
    },
  } as V1Deployment;
}
