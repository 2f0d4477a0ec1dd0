import type { RequestAttributes } from './request-attributes.js';
import { groupOf, qualified } from './resource-types.js';

/** A Kubernetes `Status` object, the body of every API server error. */
export interface KubeStatus {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure';
  message: string;
  reason: string;
  code: number;
  details?: { name?: string; group?: string; kind?: string; causes?: Array<{ reason: string; message: string; field: string }> };
}

/** Thrown by request handlers; the server turns it into a Status response with the same HTTP code. */
export class StatusError extends Error {
  readonly status: KubeStatus;

  constructor(code: number, reason: string, message: string, details?: KubeStatus['details']) {
    super(message);
    this.status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
    if (details) this.status.details = details;
  }
}

export function notFound(resource: string, name: string): StatusError {
  return new StatusError(404, 'NotFound', `${qualified(resource)} "${name}" not found`, { name, group: groupOf(resource), kind: resource });
}

export function conflict(resource: string, name: string): StatusError {
  return new StatusError(
    409,
    'Conflict',
    `Operation cannot be fulfilled on ${qualified(resource)} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
    { name, group: groupOf(resource), kind: resource },
  );
}

export function alreadyExists(resource: string, name: string): StatusError {
  return new StatusError(409, 'AlreadyExists', `${qualified(resource)} "${name}" already exists`, { name, group: groupOf(resource), kind: resource });
}

/**
 * kube-apiserver's 403 for a request the authorizer did not allow: `apierrors.NewForbidden` around
 * `responsewriters.forbiddenMessage`, word for word, with the authorizer's reason appended when it has one.
 */
export function forbidden(user: string, a: RequestAttributes, reason = ''): StatusError {
  const resource = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  const scope = a.namespace === '' ? 'at the cluster scope' : `in the namespace "${a.namespace}"`;
  const why = `User "${user}" cannot ${a.verb} resource "${resource}" in API group "${a.apiGroup}" ${scope}${reason === '' ? '' : `: ${reason}`}`;
  const qualifiedResource = a.apiGroup === '' ? a.resource : `${a.resource}.${a.apiGroup}`;
  const subject = a.name === '' ? qualifiedResource : `${qualifiedResource} "${a.name}"`;
  return new StatusError(403, 'Forbidden', `${subject} is forbidden: ${why}`, {
    ...(a.name === '' ? {} : { name: a.name }),
    ...(a.apiGroup === '' ? {} : { group: a.apiGroup }),
    kind: a.resource,
  });
}

/** The 403 for a non-resource URL (`GET /metrics` without a nonResourceURLs rule). */
export function forbiddenPath(user: string, verb: string, path: string): StatusError {
  return new StatusError(403, 'Forbidden', `forbidden: User "${user}" cannot ${verb} path "${path}"`, {});
}

/** `kind` is the Kind (e.g. `Deployment`), not the plural: the real server differs here for Invalid. */
export function invalid(kind: string, name: string, field: string, message: string, causeReason = 'FieldValueInvalid', group = 'apps'): StatusError {
  return new StatusError(422, 'Invalid', `${group === '' ? kind : `${kind}.${group}`} "${name}" is invalid: ${field}: ${message}`, {
    name,
    group,
    kind,
    causes: [{ reason: causeReason, message, field }],
  });
}

export function badRequest(message: string): StatusError {
  return new StatusError(400, 'BadRequest', message);
}

export function expired(requested: string, current: number): StatusError {
  return new StatusError(410, 'Expired', `too old resource version: ${requested} (${current})`);
}
