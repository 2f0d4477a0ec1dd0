import { randomBytes } from 'node:crypto';
import type { KObject } from './object-store.js';
import type { RequestAttributes } from './request-attributes.js';

/** Who a request comes from, as the authenticator resolves a bearer token. */
export interface UserInfo {
  username: string;
  groups: string[];
}

/** A non-resource request such as `GET /version`. */
export type { RequestAttributes } from './request-attributes.js';

export interface PathAttributes {
  verb: string;
  path: string;
}

export interface Decision {
  allowed: boolean;
  /** `RBAC: allowed by …` when allowed; `RBAC: …` naming missing roles when bindings point nowhere; else ''. */
  reason: string;
}

interface Rule {
  verbs?: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}
interface Subject {
  kind: string;
  name: string;
  namespace?: string;
}

const RBAC_KINDS = ['Role', 'ClusterRole', 'RoleBinding', 'ClusterRoleBinding'] as const;
type RbacKind = (typeof RBAC_KINDS)[number];

export const ADMIN_USER: UserInfo = { username: 'kubernetes-admin', groups: ['system:masters', 'system:authenticated'] };

/** Paths every authenticated user may GET: the `system:discovery` and `system:public-info-viewer` ClusterRoles. */
const DISCOVERY_PATHS = [/^\/api(\/.*)?$/, /^\/apis(\/.*)?$/, /^\/version\/?$/, /^\/openapi\/.*$/, /^\/(healthz|livez|readyz)\/?$/];

/** The reviews `system:basic-user` lets every authenticated user create about themselves. */
const SELF_REVIEWS: Record<string, string[]> = {
  'authorization.k8s.io': ['selfsubjectaccessreviews', 'selfsubjectrulesreviews'],
  'authentication.k8s.io': ['selfsubjectreviews'],
};

export const serviceAccountUser = (namespace: string, name: string) => `system:serviceaccount:${namespace}:${name}`;

const has = (list: string[] | undefined, value: string) => (list ?? []).some((v) => v === '*' || v === value);

/** rbac/v1 `ResourceMatches`: `*`, the exact (sub)resource, `resource/*` and `* /subresource`. */
function resourceMatches(rule: Rule, a: RequestAttributes): boolean {
  const combined = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  return (rule.resources ?? []).some(
    (r) => r === '*' || r === combined || (a.subresource !== undefined && (r === `${a.resource}/*` || r === `*/${a.subresource}`)),
  );
}

function ruleAllows(rule: Rule, a: RequestAttributes): boolean {
  if (!has(rule.verbs, a.verb) || !has(rule.apiGroups, a.apiGroup) || !resourceMatches(rule, a)) return false;
  if ((rule.resourceNames ?? []).length === 0) return true;
  return a.name !== '' && rule.resourceNames!.includes(a.name);
}

function describeSubject(s: Subject, bindingNamespace: string): string {
  if (s.kind === 'ServiceAccount') return `ServiceAccount "${s.name}/${s.namespace ?? bindingNamespace}"`;
  return `${s.kind} "${s.name}"`;
}

/**
 * Bearer-token authentication and the RBAC authorizer of kube-apiserver: ServiceAccounts, Roles,
 * ClusterRoles and their bindings, with the built-in grants every authenticated user has (discovery,
 * self reviews). `system:masters` is allowed everything, as on a real cluster.
 */
export class RbacAuthorizer {
  private readonly users = new Map<string, UserInfo>();
  private readonly objects = new Map<string, KObject>();

  constructor(adminToken: string) {
    this.users.set(adminToken, ADMIN_USER);
  }

  /**
   * The user of a request, or undefined (the server answers 401). As kube-apiserver's union authenticator: a
   * client certificate the client CA signed names the user by its CN and the groups by its O values; else an
   * `Authorization: Bearer …` token.
   */
  authenticate(header: string | undefined, verifiedClient?: { cn: string; o: string[] }): UserInfo | undefined {
    if (verifiedClient?.cn) return { username: verifiedClient.cn, groups: [...verifiedClient.o, 'system:authenticated'] };
    const m = /^Bearer (.+)$/.exec(header ?? '');
    return m ? this.users.get(m[1]!) : undefined;
  }

  /** The token of a ServiceAccount identity, made on first use (like a projected service-account token). */
  serviceAccountToken(namespace: string, name: string): string {
    const username = serviceAccountUser(namespace, name);
    for (const [token, user] of this.users) if (user.username === username) return token;
    const token = `sa-${namespace}-${name}-${randomBytes(8).toString('hex')}`;
    this.users.set(token, { username, groups: ['system:serviceaccounts', `system:serviceaccounts:${namespace}`, 'system:authenticated'] });
    return token;
  }

  /** Loads Roles, ClusterRoles, their bindings and ServiceAccounts as `kubectl apply` would; other kinds are refused. */
  apply(objects: KObject[]): void {
    for (const o of objects) {
      if (o.kind === 'ServiceAccount') {
        this.serviceAccountToken(String(o.metadata.namespace), String(o.metadata.name));
        continue;
      }
      if (!RBAC_KINDS.includes(o.kind)) throw new Error(`the emulator's RBAC takes ${RBAC_KINDS.join(', ')} and ServiceAccount, not ${o.kind}`);
      const namespace = o.kind.startsWith('Cluster') ? '' : String(o.metadata?.namespace ?? 'default');
      this.objects.set(this.key(o.kind, namespace, String(o.metadata.name)), structuredClone(o));
    }
  }

  private key(kind: RbacKind | string, namespace: string, name: string): string {
    return `${kind}/${namespace}/${name}`;
  }

  private ofKind(kind: RbacKind, namespace?: string): KObject[] {
    return [...this.objects.entries()].filter(([k]) => k.startsWith(`${kind}/${namespace ?? ''}/`)).map(([, v]) => v);
  }

  private subjectMatches(user: UserInfo, s: Subject, bindingNamespace: string): boolean {
    if (s.kind === 'User') return s.name === user.username;
    if (s.kind === 'Group') return user.groups.includes(s.name);
    if (s.kind === 'ServiceAccount') return serviceAccountUser(s.namespace ?? bindingNamespace, s.name) === user.username;
    return false;
  }

  /** kube-apiserver's RBAC decision for a resource request, with its reason. */
  authorize(user: UserInfo, a: RequestAttributes): Decision {
    if (user.groups.includes('system:masters')) return { allowed: true, reason: '' };
    if (a.verb === 'create' && (SELF_REVIEWS[a.apiGroup] ?? []).includes(a.resource) && !a.subresource) {
      return { allowed: true, reason: 'RBAC: allowed by ClusterRoleBinding "system:basic-user" of ClusterRole "system:basic-user" to Group "system:authenticated"' };
    }
    const errors: string[] = [];
    const bindings = [
      ...this.ofKind('ClusterRoleBinding').map((b) => ({ b, namespace: '' })),
      ...(a.namespace === '' ? [] : this.ofKind('RoleBinding', a.namespace).map((b) => ({ b, namespace: a.namespace }))),
    ];
    for (const { b, namespace } of bindings) {
      const subject = ((b.subjects ?? []) as Subject[]).find((s) => this.subjectMatches(user, s, namespace));
      if (!subject) continue;
      const ref = b.roleRef as { kind: string; name: string };
      const role = this.objects.get(this.key(ref.kind, ref.kind === 'Role' ? namespace : '', ref.name));
      if (!role) {
        errors.push(`${ref.kind.toLowerCase()}.rbac.authorization.k8s.io "${ref.name}" not found`);
        continue;
      }
      if (((role.rules ?? []) as Rule[]).some((r) => ruleAllows(r, a))) {
        const bindingName = namespace === '' ? b.metadata.name : `${b.metadata.name}/${namespace}`;
        return { allowed: true, reason: `RBAC: allowed by ${b.kind} "${bindingName}" of ${ref.kind} "${ref.name}" to ${describeSubject(subject, namespace)}` };
      }
    }
    const reason = errors.length === 0 ? '' : `RBAC: ${errors.length === 1 ? errors[0] : `[${errors.join(', ')}]`}`;
    return { allowed: false, reason };
  }

  /** The decision for a non-resource URL: discovery for everyone, `nonResourceURLs` rules of ClusterRoles otherwise. */
  authorizePath(user: UserInfo, a: PathAttributes): Decision {
    if (user.groups.includes('system:masters')) return { allowed: true, reason: '' };
    if (a.verb === 'get' && DISCOVERY_PATHS.some((p) => p.test(a.path))) {
      return { allowed: true, reason: 'RBAC: allowed by ClusterRoleBinding "system:discovery" of ClusterRole "system:discovery" to Group "system:authenticated"' };
    }
    for (const b of this.ofKind('ClusterRoleBinding')) {
      if (!((b.subjects ?? []) as Subject[]).some((s) => this.subjectMatches(user, s, ''))) continue;
      const role = this.objects.get(this.key('ClusterRole', '', b.roleRef?.name));
      const rules = (role?.rules ?? []) as Rule[];
      if (rules.some((r) => has(r.verbs, a.verb) && (r.nonResourceURLs ?? []).some((u) => u === a.path || u === '*' || (u.endsWith('*') && a.path.startsWith(u.slice(0, -1)))))) {
        return { allowed: true, reason: '' };
      }
    }
    return { allowed: false, reason: '' };
  }
}
