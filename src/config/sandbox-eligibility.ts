import { existsSync } from 'node:fs';

/**
 * Why `flightdeck serve` must not fall back to the sandbox, or undefined when it may. A production install
 * that lost its credentials has to fail as it always did, never quietly start fake Slack and Kubernetes:
 * the image sets NODE_ENV=production, a pod has KUBERNETES_SERVICE_HOST, and the Helm chart sets FLIGHTDECK_ROLE.
 */
export function sandboxRefusal(env: Record<string, string | undefined>): string | undefined {
  if (env.NODE_ENV === 'production') return 'NODE_ENV is production';
  if (env.KUBERNETES_SERVICE_HOST) return 'it runs inside a Kubernetes cluster (KUBERNETES_SERVICE_HOST is set)';
  if (env.FLIGHTDECK_ROLE) return 'FLIGHTDECK_ROLE is set';
  return undefined;
}

/**
 * `flightdeck serve` starts the sandbox instead when nothing at all is configured: no Slack credentials, no
 * catalog (FLIGHTDECK_CONFIG unset and no ./flightdeck.yaml) and none of {@link sandboxRefusal}'s reasons.
 */
export function servesSandboxByDefault(env: Record<string, string | undefined>, fileExists: (path: string) => boolean = existsSync): boolean {
  if (sandboxRefusal(env) !== undefined) return false;
  const blank = (name: string) => (env[name] ?? '').trim() === '';
  const noSlack = blank('SLACK_BOT_TOKEN') && blank('SLACK_APP_TOKEN') && blank('SLACK_SIGNING_SECRET');
  return noSlack && blank('FLIGHTDECK_CONFIG') && !fileExists('flightdeck.yaml');
}
