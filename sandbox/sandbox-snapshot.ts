import type { DemoMetrics } from './demo-metrics.js';
import type { KObject, KubernetesEmulator } from './kubernetes/index.js';
import type { PagerDutyEmulator } from './pagerduty/index.js';
import type { SandboxTarget, SandboxWorld } from './sandbox-world.js';
import type { SlackEmulator, StoredMessage } from './slack/index.js';

/** A reply flightdeck gave in the HTTP answer to a slash command or click: shown only to whoever sent it. */
export interface AckReply {
  user: string;
  text: string;
  blocks: unknown[];
  at: number;
}

export interface SnapshotSources {
  world: SandboxWorld;
  slack: SlackEmulator;
  /** The emulated cluster of each kubeconfig context. */
  clusters: ReadonlyMap<string, KubernetesEmulator>;
  pagerduty: PagerDutyEmulator;
  metrics: DemoMetrics;
  ackReplies: readonly AckReply[];
}

const message = (m: StoredMessage): Record<string, unknown> => ({
  ts: m.ts,
  user: m.user,
  bot: m.botId !== undefined,
  text: m.text,
  blocks: m.blocks,
  files: (m.files ?? []).map((f) => ({ name: f.name, title: f.title })),
  edits: m.edits,
  replies: m.replies.map(message),
});

/** Everything the sandbox page shows, as one JSON-able value: the page re-renders whenever it changes. */
export function sandboxSnapshot({ world, slack, clusters, pagerduty, metrics, ackReplies }: SnapshotSources): Record<string, unknown> {
  const dms = Object.fromEntries(
    world.people.map((person) => {
      const channel = slack.dmChannel(person.id);
      return [person.id, channel ? { channel, messages: slack.messages(channel).map(message) } : { channel: undefined, messages: [] }];
    }),
  );
  const ephemerals = [
    ...slack.ephemerals.map((e) => ({ user: e.user, text: e.text, blocks: e.blocks, ts: e.ts })),
    ...ackReplies.map((a) => ({ user: a.user, text: a.text, blocks: a.blocks, ts: String(a.at / 1000) })),
  ].sort((a, b) => Number(a.ts) - Number(b.ts));
  const cluster = world.targets.map((target) => clusterView(target, clusters.get(target.cluster)));
  return {
    channel: { ...world.channel, messages: slack.messages(world.channel.id).map(message) },
    people: world.people,
    dms,
    ephemerals,
    views: Object.fromEntries(world.people.map((p) => [p.id, slack.openViews(p.id).map((v) => ({ id: v.id, title: v.title, blocks: v.blocks, submit: v.submit, close: v.close, errors: v.errors }))])),
    cluster,
    metrics: metrics.all(),
    incidents: pagerduty.incidents,
    changeEvents: pagerduty.events.filter((e) => e.kind === 'change').map((e) => e.body),
  };
}

/** One target as the cluster panel shows it: its Deployment and canary, their ReplicaSets, the route's split. */
function clusterView(target: SandboxTarget, k8s: KubernetesEmulator | undefined): Record<string, unknown> {
  const { service, environment, namespace, deployment, traffic } = target;
  const ours = new Set([deployment, `${deployment}-canary`]);
  const route = traffic && 'route' in traffic && k8s ? k8s.get('httproutes', namespace, traffic.route) : undefined;
  const backends = (route?.spec?.rules?.[0]?.backendRefs ?? []) as Array<{ name: string; weight?: number }>;
  const row = (o: KObject) => ({
    name: o.metadata.name as string,
    image: o.spec.template.spec.containers[0]?.image as string,
    replicas: (o.spec.replicas as number | undefined) ?? 0,
    ready: (o.status?.readyReplicas as number | undefined) ?? 0,
  });
  return {
    service,
    environment,
    namespace,
    deployments: (k8s?.list('deployments', namespace) ?? []).filter((d) => ours.has(d.metadata.name as string)).map(row),
    replicaSets: (k8s?.listReplicaSets(namespace) ?? []).filter((rs) => ours.has(rs.metadata.ownerReferences?.[0]?.name as string)).map(row),
    traffic: backends.map((b) => ({ name: b.name, weight: b.weight ?? 1 })),
  };
}
