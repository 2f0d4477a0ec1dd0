import { ApiException } from '@kubernetes/client-node';
import { FlightdeckError } from '../errors/flightdeck-error.js';
import { K8sRequestTimeoutError } from './create-timeout-http-library.js';

/** The parts of a Kubernetes `Status` body the mapping reads. */
interface StatusBody {
  message?: string;
  reason?: string;
  code?: number;
}

function parseStatus(body: unknown): StatusBody | undefined {
  if (typeof body === 'object' && body !== null) return body as StatusBody;
  if (typeof body !== 'string' || body === '') return undefined;
  try {
    const parsed: unknown = JSON.parse(body);
    return typeof parsed === 'object' && parsed !== null ? (parsed as StatusBody) : undefined;
  } catch {
    return undefined;
  }
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE', 'UND_ERR_SOCKET']);

function networkCode(err: unknown): string | undefined {
  let cur: unknown = err;
  for (let depth = 0; depth < 4 && typeof cur === 'object' && cur !== null; depth++) {
    const code = (cur as { code?: unknown }).code;
    if (typeof code === 'string' && NETWORK_CODES.has(code)) return code;
    const name = (cur as { name?: unknown }).name;
    if (name === 'TimeoutError') return 'ETIMEDOUT';
    cur = (cur as { cause?: unknown }).cause;
  }
  return undefined;
}

/** kube-apiserver's words for an RBAC denial (responsewriters.forbiddenMessage). */
const RBAC_DENIAL = /User "([^"]+)" cannot (\S+) resource "([^"]+)" in API group "([^"]*)" (?:in the namespace "([^"]+)"|at the cluster scope)/;

/**
 * Which permission is missing and how to check it, read from the API server's message: the verb, the
 * (group-qualified) resource, the namespace and a `kubectl auth can-i` line an operator can paste.
 */
function forbiddenRemedy(verb: string, message: string | undefined): string {
  const m = RBAC_DENIAL.exec(message ?? '');
  if (!m) return `Grant the bot's service account "${verb}" on that resource (Role/RoleBinding).`;
  const [, user, deniedVerb, resource, group, namespace] = m as unknown as [string, string, string, string, string, string | undefined];
  const [plural, subresource] = resource.split('/') as [string, string | undefined];
  const qualified = group === '' ? plural : `${plural}.${group}`;
  const where = namespace === undefined ? 'cluster-wide' : `in namespace ${namespace}`;
  const check = `kubectl auth can-i ${deniedVerb} ${qualified}${subresource ? ` --subresource=${subresource}` : ''}${namespace === undefined ? ' --all-namespaces' : ` -n ${namespace}`} --as ${user}`;
  return `Missing permission: ${deniedVerb} ${subresource ? `${qualified}/${subresource}` : qualified} ${where} for ${user}; add it to the Role bound to that account (helm/flightdeck rbac), then check with:\n${check}`;
}

/**
 * Turns anything a client-node call can throw into a FlightdeckError whose code decides retry:
 * 403 → k8s-forbidden (names verb, resource and the API server's reason), 404 → k8s-not-found,
 * 409 → k8s-conflict, 400/422 → k8s-invalid, 5xx/429, request timeouts and network failures → k8s-unavailable.
 * A FlightdeckError passes through unchanged; anything unrecognised becomes k8s-unavailable, since a
 * failure we cannot classify is more likely transient than a verdict on the request.
 *
 * @param verb The API verb attempted (`get`, `patch`, `watch`, …), used in the message.
 * @param resource What it was attempted on, e.g. `deployment prod/web`.
 */
export function toK8sError(err: unknown, verb: string, resource: string): FlightdeckError {
  if (err instanceof FlightdeckError) return err;
  const what = `${verb} ${resource}`;
  if (err instanceof K8sRequestTimeoutError) {
    return new FlightdeckError('k8s-unavailable', `Kubernetes API did not answer ${what} within ${err.timeoutMs} ms (request timeout)`, {
      remedy: 'Check the API server and the network to it; if it is only slow, raise K8S_REQUEST_TIMEOUT_MS.',
      cause: err,
    });
  }
  const statusCode =
    err instanceof ApiException ? err.code : typeof (err as { statusCode?: unknown })?.statusCode === 'number' ? (err as { statusCode: number }).statusCode : undefined;
  if (statusCode !== undefined) {
    const status = parseStatus(err instanceof ApiException ? err.body : undefined);
    const detail = status?.message ? `: ${status.message}` : '';
    if (statusCode === 401) {
      return new FlightdeckError('k8s-forbidden', `Kubernetes rejected the credentials for ${what} (401 Unauthorized)${detail}`, {
        remedy: 'Check the token or certificate in the kubeconfig for this cluster.',
        cause: err,
      });
    }
    if (statusCode === 403) {
      return new FlightdeckError('k8s-forbidden', `Not allowed to ${what}${detail}`, { remedy: forbiddenRemedy(verb, status?.message), cause: err });
    }
    if (statusCode === 404) return new FlightdeckError('k8s-not-found', `Cannot ${what}: not found${detail}`, { cause: err });
    if (statusCode === 409) return new FlightdeckError('k8s-conflict', `Conflict while trying to ${what}${detail}`, { cause: err });
    if (statusCode === 400 || statusCode === 422 || statusCode === 415) {
      return new FlightdeckError('k8s-invalid', `Kubernetes refused to ${what} as invalid${detail}`, { cause: err });
    }
    if (statusCode === 410) return new FlightdeckError('k8s-unavailable', `Stale resourceVersion during ${what}${detail}`, { cause: err });
    return new FlightdeckError('k8s-unavailable', `Kubernetes API failed to ${what} (HTTP ${statusCode})${detail}`, { cause: err });
  }
  const net = networkCode(err);
  const reason = net ?? (err instanceof Error ? err.message : String(err));
  return new FlightdeckError('k8s-unavailable', `Kubernetes API unreachable during ${what}: ${reason}`, { cause: err });
}
