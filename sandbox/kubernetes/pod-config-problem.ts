import type { KObject, ObjectStore } from './object-store.js';

/**
 * Why the kubelet would not start this pod template's container, in its words, or undefined: an env value or
 * envFrom naming a Secret or ConfigMap (or a key of one) that does not exist, unless marked optional, leaves it
 * waiting in CreateContainerConfigError; a Secret or ConfigMap volume that does not exist leaves it in
 * ContainerCreating (the mount fails and is retried); a PersistentVolumeClaim that does not exist leaves it
 * unscheduled. The API server accepted the pod either way: it checks none of these when the Job is created.
 */
export function podConfigProblem(store: ObjectStore, namespace: string, podSpec: KObject): { reason: string; message: string; unschedulable?: true } | undefined {
  for (const volume of (podSpec.volumes ?? []) as KObject[]) {
    const claim = volume.persistentVolumeClaim?.claimName;
    // The scheduler's words; the container never gets as far as waiting for its image.
    if (claim !== undefined && !store.get('persistentvolumeclaims', namespace, String(claim))) {
      return { reason: 'Unschedulable', unschedulable: true, message: `0/1 nodes are available: persistentvolumeclaim "${claim}" not found. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.` };
    }
  }
  const read = (resource: 'secrets' | 'configmaps', name: string) => store.get(resource, namespace, name);
  const kinds = { secrets: ['secret', 'Secret'], configmaps: ['configmap', 'ConfigMap'] } as const;
  const lookup = (resource: 'secrets' | 'configmaps', ref: KObject, key?: string): string | undefined => {
    if (ref.optional === true) return undefined;
    const obj = read(resource, String(ref.name));
    if (!obj) return `${kinds[resource][0]} "${ref.name}" not found`;
    if (key !== undefined && obj.data?.[key] === undefined && obj.stringData?.[key] === undefined) {
      return `couldn't find key ${key} in ${kinds[resource][1]} ${namespace}/${ref.name}`;
    }
    return undefined;
  };
  for (const container of (podSpec.containers ?? []) as KObject[]) {
    for (const env of (container.env ?? []) as KObject[]) {
      const from = env.valueFrom ?? {};
      const problem = from.secretKeyRef ? lookup('secrets', from.secretKeyRef, String(from.secretKeyRef.key)) : from.configMapKeyRef ? lookup('configmaps', from.configMapKeyRef, String(from.configMapKeyRef.key)) : undefined;
      if (problem) return { reason: 'CreateContainerConfigError', message: problem };
    }
    for (const source of (container.envFrom ?? []) as KObject[]) {
      const problem = source.secretRef ? lookup('secrets', source.secretRef) : source.configMapRef ? lookup('configmaps', source.configMapRef) : undefined;
      if (problem) return { reason: 'CreateContainerConfigError', message: problem };
    }
  }
  for (const volume of (podSpec.volumes ?? []) as KObject[]) {
    const problem = volume.secret ? lookup('secrets', { name: volume.secret.secretName, optional: volume.secret.optional }) : volume.configMap ? lookup('configmaps', volume.configMap) : undefined;
    if (problem) return { reason: 'ContainerCreating', message: `MountVolume.SetUp failed for volume "${volume.name}" : ${problem}` };
  }
  return undefined;
}
