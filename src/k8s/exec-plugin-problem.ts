import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';

/**
 * Why the current context of `kc` cannot authenticate here, or undefined. A kubeconfig whose user runs an exec
 * credential plugin (`aws eks get-token`, `gke-gcloud-auth-plugin`, `kubelogin`) works only where that command
 * is installed; flightdeck's image has none, and client-node would otherwise fail at the first step of a run
 * with a bare spawn error.
 */
export function execPluginProblem(kc: KubeConfig, searchPath: string | undefined): string | undefined {
  const exec = kc.getCurrentUser()?.exec as { command?: unknown } | undefined;
  if (exec === undefined) return undefined;
  const command = typeof exec.command === 'string' ? exec.command : '';
  if (command === '') return `the kubeconfig user of context "${kc.getCurrentContext()}" has an exec section without a command`;
  if (findExecutable(command, searchPath)) return undefined;
  return `the kubeconfig user of context "${kc.getCurrentContext()}" authenticates by running "${command}" (an exec credential plugin), which is not ${command.includes('/') ? 'an executable file' : 'on the PATH'} here`;
}

export const EXEC_PLUGIN_REMEDY =
  'Use a static token (a ServiceAccount token from `kubectl create token`) or a client certificate in the kubeconfig flightdeck mounts, or build an image with the plugin on the PATH (docs/operations.md: Credentials for other clusters).';

function findExecutable(command: string, searchPath: string | undefined): boolean {
  const candidates = command.includes('/') ? [command] : (searchPath ?? '').split(path.delimiter).filter(Boolean).map((dir) => path.join(dir, command));
  return candidates.some((candidate) => {
    try {
      accessSync(candidate, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/**
 * For `flightdeck check`: one line per catalog context whose kubeconfig user needs an exec plugin missing here.
 * Checks only what the local kubeconfig holds: none at all (a laptop checking a production catalog) is no problem.
 */
export function execPluginProblems(kubeconfigPath: string | undefined, contexts: readonly string[], searchPath: string | undefined): string[] {
  const kc = new KubeConfig();
  try {
    if (kubeconfigPath) kc.loadFromFile(kubeconfigPath);
    else kc.loadFromDefault();
  } catch {
    return [];
  }
  const known = new Set(kc.getContexts().map((c) => c.name));
  return [...new Set(contexts)]
    .filter((context) => known.has(context))
    .flatMap((context) => {
      kc.setCurrentContext(context);
      const problem = execPluginProblem(kc, searchPath);
      return problem ? [`${kubeconfigPath ?? 'kubeconfig'}: context ${context}: ${problem} — ${EXEC_PLUGIN_REMEDY}`] : [];
    });
}
