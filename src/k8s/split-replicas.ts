/** Pod counts of the stable and canary Deployments behind one Service, and the share of pods the canary has. */
export interface ReplicaSplit {
  stable: number;
  canary: number;
}

/**
 * The pod counts that send about `weight` percent of one Service's traffic to the canary when the Service
 * selects both Deployments' pods (kube-proxy spreads connections over pods, not Deployments): canary =
 * ceil(weight × S / 100) and stable = S − floor(weight × S / 100), S being the stable's replicas before the
 * canary. Argo Rollouts' basic canary stays in the same bounds (S or S + 1 pods, one on each side for 1–99)
 * and picks whichever of ceil and floor comes closest, at S pods unless maxSurge allows S + 1; one formula is
 * easier to predict from a checklist, and taking the stable down only by the rounded-down share means the pods
 * never number fewer than the stable had. So any weight from 1 to 99 leaves at least one pod on each side (1 %
 * of 10 pods is 1 canary and 10 stable), 0 is the stable alone and 100 the canary at the stable's full count.
 *
 * @throws RangeError for a weight outside 0..100 or a replica count that is not a whole number 1 or more.
 */
export function splitReplicas(stableReplicas: number, weight: number): ReplicaSplit {
  if (!Number.isInteger(weight) || weight < 0 || weight > 100) throw new RangeError(`weight ${weight} is not a whole percentage from 0 to 100`);
  if (!Number.isInteger(stableReplicas) || stableReplicas < 1) throw new RangeError(`${stableReplicas} stable replicas cannot be split`);
  return { canary: Math.ceil((weight * stableReplicas) / 100), stable: stableReplicas - Math.floor((weight * stableReplicas) / 100) };
}

/** `≈25% (1 of 4 pods)`: the canary's share of the pods, which is all a replica split can promise. */
export function describeSplit(split: ReplicaSplit): string {
  const pods = split.stable + split.canary;
  const share = pods === 0 ? 0 : Math.round((100 * split.canary) / pods);
  return `≈${share}% (${split.canary} of ${pods} ${pods === 1 ? 'pod' : 'pods'})`;
}
