import type { DemoMetrics } from './demo-metrics.js';
import { DEMO_CHANNEL, DEMO_CHANNEL_NAME, DEMO_ENVIRONMENTS, DEMO_PEOPLE, DEMO_SERVICES, demoNamespace } from './demo-world.js';
import type { KubernetesEmulator } from './kubernetes/index.js';
import type { PagerDutyEmulator } from './pagerduty/index.js';
import type { SlackEmulator, StoredMessage } from './slack/index.js';

/** A reply flightdeck gave in the HTTP answer to a slash command or click: shown only to whoever sent it. */
export interface AckReply {
  user: string;
  text: string;
  blocks: unknown[];
  at: number;
}

export interface SnapshotSources {
  slack: SlackEmulator;
  k8s: KubernetesEmulator;
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
  edits: m.edits,
  replies: m.replies.map(message),
});

/** Everything the sandbox page shows, as one JSON-able value: the page re-renders whenever it changes. */
export function sandboxSnapshot({ slack, k8s, pagerduty, metrics, ackReplies }: SnapshotSources): Record<string, unknown> {
  const dms = Object.fromEntries(
    DEMO_PEOPLE.map((person) => {
      const channel = slack.dmChannel(person.id);
      return [person.id, channel ? { channel, messages: slack.messages(channel).map(message) } : { channel: undefined, messages: [] }];
    }),
  );
  const ephemerals = [
    ...slack.ephemerals.map((e) => ({ user: e.user, text: e.text, blocks: e.blocks, ts: e.ts })),
    ...ackReplies.map((a) => ({ user: a.user, text: a.text, blocks: a.blocks, ts: String(a.at / 1000) })),
  ].sort((a, b) => Number(a.ts) - Number(b.ts));
  const cluster = DEMO_ENVIRONMENTS.flatMap((environment) =>
    DEMO_SERVICES.map((service) => {
      const namespace = demoNamespace(service, environment);
      const route = k8s.get('httproutes', namespace, service);
      const backends = (route?.spec?.rules?.[0]?.backendRefs ?? []) as Array<{ name: string; weight?: number }>;
      return {
        service,
        environment,
        namespace,
        deployments: k8s.list('deployments', namespace).map((d) => ({
          name: d.metadata.name as string,
          image: d.spec.template.spec.containers[0]?.image as string,
          replicas: (d.spec.replicas as number | undefined) ?? 0,
          ready: (d.status?.readyReplicas as number | undefined) ?? 0,
          revision: d.metadata.annotations?.['deployment.kubernetes.io/revision'] as string | undefined,
        })),
        replicaSets: k8s.listReplicaSets(namespace).map((rs) => ({
          name: rs.metadata.name as string,
          image: rs.spec.template.spec.containers[0]?.image as string,
          replicas: (rs.spec.replicas as number | undefined) ?? 0,
          ready: (rs.status?.readyReplicas as number | undefined) ?? 0,
        })),
        traffic: backends.map((b) => ({ name: b.name, weight: b.weight ?? 1 })),
      };
    }),
  );
  return {
    channel: { id: DEMO_CHANNEL, name: DEMO_CHANNEL_NAME, messages: slack.messages(DEMO_CHANNEL).map(message) },
    people: DEMO_PEOPLE,
    dms,
    ephemerals,
    views: Object.fromEntries(DEMO_PEOPLE.map((p) => [p.id, slack.openViews(p.id).map((v) => ({ id: v.id, title: v.title, blocks: v.blocks, submit: v.submit, errors: v.errors }))])),
    cluster,
    metrics: metrics.all(),
    incidents: pagerduty.incidents,
    changeEvents: pagerduty.events.filter((e) => e.kind === 'change').map((e) => e.body),
  };
}
