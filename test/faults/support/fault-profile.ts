/**
 * How big each scenario is. `FAULTS_PROFILE=ci` (the short profile `npm run test:faults:ci` uses) keeps the
 * whole suite to a couple of minutes; `full` (default) is the one RELIABILITY.md records. `FAULTS_SEED`
 * replays a schedule; each scenario derives its own seed from it so adding one does not shift the others.
 */
export interface FaultProfile {
  name: 'ci' | 'full';
  seed: number;
  /** Scenario 1: runs started while workers are being killed. */
  killRuns: number;
  /** Scenario 2: runs in flight when Redis restarts. */
  redisRuns: number;
  /** Scenario 3: runs per dependency-fault round. */
  dependencyRuns: number;
  /** Scenario 4: simultaneous clicks on one button. */
  concurrentClicks: number;
  /** Scenario 5: generated slash-command texts and interaction payloads. */
  fuzzInputs: number;
  /** Scenario 6: forged, stale and missing signatures of each kind. */
  signatureCases: number;
}

const PROFILES: Record<FaultProfile['name'], Omit<FaultProfile, 'name' | 'seed'>> = {
  ci: { killRuns: 20, redisRuns: 4, dependencyRuns: 4, concurrentClicks: 50, fuzzInputs: 300, signatureCases: 10 },
  full: { killRuns: 60, redisRuns: 10, dependencyRuns: 8, concurrentClicks: 50, fuzzInputs: 1200, signatureCases: 30 },
};

export const DEFAULT_SEED = 7_2025;

export function faultProfile(env: NodeJS.ProcessEnv = process.env): FaultProfile {
  const name = env.FAULTS_PROFILE === 'ci' ? 'ci' : 'full';
  const seed = env.FAULTS_SEED && /^\d+$/.test(env.FAULTS_SEED) ? Number(env.FAULTS_SEED) : DEFAULT_SEED;
  return { name, seed, ...PROFILES[name] };
}

/** A per-scenario seed: stable for a given suite seed and scenario name. */
export function scenarioSeed(seed: number, scenario: string): number {
  let hash = seed >>> 0;
  for (const char of scenario) hash = (Math.imul(hash ^ char.charCodeAt(0), 0x01000193) >>> 0);
  return hash;
}
