import type { JobMatch, JobOutcome } from './job-controller.js';
import type { KObject } from './object-store.js';
import type { RequestMatch } from './fault-injection.js';
import type { RequestAttributes } from './rbac-authorizer.js';
import type { Resource } from './resource-types.js';

export interface KubernetesEmulatorOptions {
  /** Port on 127.0.0.1; default 0 (any free port). */
  port?: number;
  /** Time from pod creation to ready, and a Job pod's run time; default 300 ms. */
  readyDelayMs?: number;
  /** Controller resync period; default 25 ms. */
  tickMs?: number;
  /**
   * Serve HTTPS with a fixed self-signed certificate (written into kubeconfigs as the CA); default false.
   * Needed for kubectl, which sends kubeconfig credentials only over TLS.
   */
  tls?: boolean;
}

/** One request as received, for assertions on what the client really sent. */
export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  contentType: string | undefined;
  accept: string | undefined;
  body: unknown;
  /** Who sent it; undefined when the token was unknown (answered 401). */
  user: string | undefined;
  /** The authorizer's view of a resource request (verb, group, resource, namespace, name). */
  attributes: RequestAttributes | undefined;
  /** Refused by RBAC (answered 403 Forbidden); injected 403 faults are not counted. */
  denied: boolean;
}

export interface SeedDeploymentOptions {
  namespace: string;
  name: string;
  container: string;
  image: string;
  /** Default 3. */
  replicas?: number;
  /** Default 600, as the real API server defaults it. */
  progressDeadlineSeconds?: number;
  /** Pod labels and selector; default `{ app: name }`. */
  labels?: Record<string, string>;
}

export interface KubernetesEmulator {
  /** `http://127.0.0.1:<port>` (`https:` with `tls`), no trailing slash. */
  readonly url: string;
  /** The CA certificate (PEM) to trust for an `https:` emulator; undefined for plain HTTP. */
  readonly caPem: string | undefined;
  /** Every request received, oldest first. */
  readonly requests: RecordedRequest[];
  /** How many TCP connections clients have opened so far: a client that reuses its connections opens few. */
  readonly connections: number;
  /**
   * The admin bearer token (`kubernetes-admin`, group `system:masters`: allowed everything), unique per
   * instance, so a request sent to the wrong cluster fails with 401.
   */
  readonly token: string;
  close(): Promise<void>;
  /**
   * Writes a kubeconfig (synchronously) whose only context `contextName` (default 'emulator') points here,
   * authenticating with `token` (default: the admin token).
   */
  writeKubeconfig(path: string, contextName?: string, token?: string): void;
  /**
   * Loads Roles, ClusterRoles, RoleBindings, ClusterRoleBindings and ServiceAccounts (e.g. rendered from the
   * chart); an object of the same kind, namespace and name is replaced, as `kubectl apply` would. From then
   * on every request of a non-admin identity is authorized against them, and refused with kube-apiserver's 403.
   */
  applyRbac(objects: KObject[]): void;
  /** The bearer token of ServiceAccount `namespace/name` (the same token on every call). */
  serviceAccountToken(namespace: string, name: string): string;
  /** Creates a Deployment whose first revision is already rolled out and ready. */
  seedDeployment(options: SeedDeploymentOptions): KObject;
  /** Creates any served object as a POST would (defaults, validation); throws the StatusError a POST would answer. */
  create(resource: Resource, namespace: string, body: KObject): KObject;
  /** The stored object (a copy), or undefined. */
  get(resource: Resource, namespace: string, name: string): KObject | undefined;
  list(resource: Resource, namespace: string): KObject[];
  /** The stored Deployment (a copy); throws when there is none, so tests fail with a clear message. */
  getDeployment(namespace: string, name: string): KObject;
  listReplicaSets(namespace: string): KObject[];
  /** Pods of templates using this image never become ready. */
  neverReady(image: string): void;
  /** How pods of matching Jobs end (later calls win); unmatched Jobs succeed with an empty log. */
  jobOutcome(match: JobMatch, outcome: JobOutcome): void;
  /** Ends every open watch stream abruptly (socket destroyed, no final chunk); returns how many were open. */
  dropWatches(): number;
  /** The next `count` matching requests fail with this HTTP status and a matching Status body. */
  failNext(count: number, status: 500 | 409 | 403, match?: RequestMatch): void;
  /**
   * The next `count` matching requests are answered `ms` later (watches: the stream starts `ms` later). A
   * request the client gave up on meanwhile is still served, like a write the API server applied after all.
   */
  delayNext(count: number, ms: number, match?: RequestMatch): void;
  /**
   * The next `count` (`Infinity`: every) matching requests, watches included, are recorded but never answered
   * nor served: the connection stays open until the client gives up, as with a hung API server.
   */
  hangNext(count: number, match?: RequestMatch): void;
  /**
   * The next `count` matching watches get their 200 and headers, then nothing, not even the end at
   * `timeoutSeconds`: a stream whose connection died without closing.
   */
  silenceNextWatches(count: number, match?: RequestMatch): void;
  /** An extra RBAC denial for a verb on a resource (`pods/log` for logs), in one namespace or all, even for the admin. */
  forbid(rule: { verb: string; resource: string; namespace?: string }): void;
  /**
   * How many times the emulator (requests, watches, controllers) has looked at a stored object of `namespace`
   * ('' for cluster-scoped ones): a test bounds what serving one Deployment costs by this count, not by time.
   */
  visits(namespace: string): number;
  /** Drops the watch history: watches from any resourceVersion seen so far get a 410 Expired ERROR event. */
  compactHistory(): void;
  /** Injected faults not yet used up, by kind: a scenario asserts its faults fired before judging the outcome. */
  pendingFaults(): { failures: number; delays: number; hangs: number; silences: number };
}
