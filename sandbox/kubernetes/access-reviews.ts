import type { KObject } from './object-store.js';
import type { RbacAuthorizer, UserInfo } from './rbac-authorizer.js';
import { timestamp } from './rollout-math.js';
import { StatusError, badRequest } from './status-error.js';

const ACCESS_REVIEWS = '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews';
const SELF_REVIEWS = '/apis/authentication.k8s.io/v1/selfsubjectreviews';

/** True for the review endpoints this module answers (both are create-only, like on the real server). */
export function isReviewPath(path: string): boolean {
  const p = path.replace(/\/$/, '');
  return p === ACCESS_REVIEWS || p === SELF_REVIEWS;
}

const invalidReview = (field: string, message: string) =>
  new StatusError(422, 'Invalid', `SelfSubjectAccessReview.authorization.k8s.io "" is invalid: ${field}: ${message}`, {
    group: 'authorization.k8s.io',
    kind: 'SelfSubjectAccessReview',
    causes: [{ reason: 'FieldValueInvalid', message, field }],
  });

/**
 * `POST selfsubjectaccessreviews` (what `kubectl auth can-i` sends) answered by the same authorizer the
 * requests go through, and `POST selfsubjectreviews` (`kubectl auth whoami`). Throws StatusError.
 */
export function answerReview(path: string, method: string, user: UserInfo, authorizer: RbacAuthorizer, body: unknown, now: number): { code: number; body: unknown } {
  if (method !== 'POST') throw new StatusError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
  if (body === null || typeof body !== 'object') throw badRequest('the request body must be a JSON object');
  const review = body as KObject;
  if (path.replace(/\/$/, '') === SELF_REVIEWS) {
    return {
      code: 201,
      body: { kind: 'SelfSubjectReview', apiVersion: 'authentication.k8s.io/v1', metadata: { creationTimestamp: timestamp(now) }, status: { userInfo: { username: user.username, groups: user.groups } } },
    };
  }
  const resource = review.spec?.resourceAttributes as KObject | undefined;
  const nonResource = review.spec?.nonResourceAttributes as KObject | undefined;
  if ((resource === undefined) === (nonResource === undefined)) {
    throw invalidReview('spec.resourceAttributes', 'Invalid value: "null": exactly one of nonResourceAttributes or resourceAttributes must be specified');
  }
  const decision = resource
    ? authorizer.authorize(user, {
        verb: String(resource.verb ?? ''),
        apiGroup: String(resource.group ?? ''),
        resource: String(resource.resource ?? ''),
        ...(resource.subresource ? { subresource: String(resource.subresource) } : {}),
        namespace: String(resource.namespace ?? ''),
        name: String(resource.name ?? ''),
      })
    : authorizer.authorizePath(user, { verb: String(nonResource?.verb ?? ''), path: String(nonResource?.path ?? '') });
  return {
    code: 201,
    body: {
      kind: 'SelfSubjectAccessReview',
      apiVersion: 'authorization.k8s.io/v1',
      metadata: { creationTimestamp: null },
      spec: review.spec,
      status: { allowed: decision.allowed, ...(decision.reason === '' ? {} : { reason: decision.reason }) },
    },
  };
}
