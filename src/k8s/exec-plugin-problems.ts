import { accessSync, constants } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';

/** What to do instead of an exec plugin the image lacks; docs/operations.md, "Managed clusters", says how. */
export const EXEC_PLUGIN_REMEDY =
  'use a credential flightdeck reads itself: in-cluster, a static token kubeconfig (kubectl create token <account> --duration=8760h) or a client certificate; ' +
  'or build an image with the plugin on its PATH (docs/operations.md, "Managed clusters")';

/**
 * The contexts among `contexts` whose user runs an exec credential plugin (`users[].user.exec`, as EKS, GKE and
 * AKS kubeconfigs do) that cannot be found: a bare command on none of `pathEnv`'s directories, or a path that is
 * not an executable file. Such a context fails every request with a spawn error, so `check` and `doctor` say it
 * first. Contexts the kubeconfig lacks, and a kubeconfig that cannot be read, are left to `doctor`'s cluster
 * check; an empty list means nothing to say.
 */
export function execPluginProblems(kubeconfigPath: string | undefined, contexts: readonly string[], pathEnv: string | undefined): string[] {
  const kc = new KubeConfig();
  try {
    if (kubeconfigPath) kc.loadFromFile(kubeconfigPath);
    else kc.loadFromDefault();
  } catch {
    return [];
  }
  const problems: string[] = [];
  for (const context of new Set(contexts)) {
    const command = execCommandOf(kc, context);
    if (command === undefined || findExecutable(command, pathEnv)) continue;
    problems.push(`kubeconfig context "${context}" gets its credentials from the exec plugin "${command}", which is not on PATH`);
  }
  return problems;
}

/** The exec plugin command of a context's user, or undefined when it has none (or no such context). */
export function execCommandOf(kc: KubeConfig, context: string): string | undefined {
  const found = kc.getContextObject(context);
  if (!found) return undefined;
  const exec: unknown = kc.getUser(found.user)?.exec;
  if (typeof exec !== 'object' || exec === null) return undefined;
  const command = (exec as { command?: unknown }).command;
  return typeof command === 'string' && command !== '' ? command : '(no command)';
}

/** Whether `command` resolves as a shell would: a path is checked as is, a bare name on each PATH directory. */
export function findExecutable(command: string, pathEnv: string | undefined): boolean {
  const candidates = isAbsolute(command) || command.includes('/') ? [command] : (pathEnv ?? '').split(delimiter).filter(Boolean).map((dir) => join(dir, command));
  return candidates.some((file) => {
    try {
      accessSync(file, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}
