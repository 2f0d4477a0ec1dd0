import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { requireTool, skipWithout } from '../support/skip-without.js';
import { CHART_DIR, goUnavailable, renderChart, type RenderedObject } from './render-chart.js';

type AnyRecord = Record<string, any>;

const values = (...names: string[]) => names.map((name) => join(import.meta.dirname, 'values', `${name}.yaml`));
const example = (name: string) => resolve(CHART_DIR, 'examples', `${name}.yaml`);
const inline = (text: string) => {
  const file = join(mkdtempSync(join(tmpdir(), 'flightdeck-helm-values-')), 'values.yaml');
  writeFileSync(file, text);
  return file;
};
const one = (objects: RenderedObject[], kind: string, name: string) => {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name}; rendered: ${objects.map((o) => `${o.kind}/${o.metadata.name}`).join(', ')}`);
  return found as AnyRecord;
};
const ofKind = (objects: RenderedObject[], kind: string) => objects.filter((o) => o.kind === kind) as AnyRecord[];
const podOf = (objects: RenderedObject[], role: 'web' | 'worker') => one(objects, 'Deployment', `fd-flightdeck-${role}`).spec.template.spec;
const envNames = (pod: AnyRecord) => (pod.containers[0].env as AnyRecord[]).map((v) => v.name);
const envVar = (pod: AnyRecord, name: string): AnyRecord => {
  const found = (pod.containers[0].env as AnyRecord[]).find((v) => v.name === name);
  if (!found) throw new Error(`no ${name} in the pod's environment`);
  return found;
};

const unavailable = goUnavailable();

describe.skipIf(skipWithout(unavailable, 'the Helm chart feature tests'))('helm/flightdeck features', () => {
  beforeAll(() => requireTool(unavailable));

  it('runs flightdeck doctor as a Helm test with the worker\'s account, environment and mounts', () => {
    const objects = renderChart(values('secrets', 'every-setting')).objects;
    const pod = one(objects, 'Pod', 'fd-flightdeck-doctor');
    expect(pod.metadata.annotations).toMatchObject({ 'helm.sh/hook': 'test' });
    const worker = podOf(objects, 'worker');
    expect(pod.spec).toMatchObject({ serviceAccountName: worker.serviceAccountName, automountServiceAccountToken: true, restartPolicy: 'Never' });
    const [container] = pod.spec.containers;
    expect(container.args).toEqual(['doctor']);
    expect(container.image).toBe(worker.containers[0].image);
    expect(container.env).toEqual(worker.containers[0].env);
    expect(container.volumeMounts).toEqual(worker.containers[0].volumeMounts);
    expect(pod.spec.volumes).toEqual(worker.volumes);
    // Not a member of any Deployment, budget or Service, but under the NetworkPolicy: it reaches what workers reach.
    expect(pod.metadata.labels['app.kubernetes.io/component']).toBe('doctor');
    expect(pod.metadata.labels).toMatchObject(one(objects, 'NetworkPolicy', 'fd-flightdeck').spec.podSelector.matchLabels);
    expect(ofKind(renderChart([...values('secrets'), inline('doctorTest: { enabled: false }\n')]).objects, 'Pod')).toEqual([]);
  });

  it('reads each routing key from the Secret named, into workers only', () => {
    const objects = renderChart([example('multi-cluster')]).objects;
    expect(envVar(podOf(objects, 'worker'), 'PD_ROUTING_KEY_API').valueFrom.secretKeyRef).toEqual({ name: 'pagerduty-routing-keys', key: 'api', optional: true });
    expect(envNames(podOf(objects, 'web'))).not.toContain('PD_ROUTING_KEY_API');
    const own = renderChart(values('secrets', 'every-setting')).objects;
    expect(envVar(podOf(own, 'worker'), 'PD_ROUTING_KEY_API').valueFrom.secretKeyRef).toMatchObject({ name: 'fd-flightdeck', key: 'pagerduty-routing-key-api' });
    expect(one(own, 'Secret', 'fd-flightdeck').stringData['pagerduty-routing-key-api']).toBe('R0HELMTESTROUTINGKEY');
  });

  it('mounts the CA bundle in both roles and points NODE_EXTRA_CA_CERTS (and, when asked, PAGERDUTY_CA_FILE) at it', () => {
    const objects = renderChart(values('secrets', 'every-setting')).objects;
    expect(one(objects, 'ConfigMap', 'fd-flightdeck-ca').data['ca.crt']).toContain('BEGIN CERTIFICATE');
    for (const role of ['web', 'worker'] as const) {
      const pod = podOf(objects, role);
      expect(pod.volumes.find((v: AnyRecord) => v.name === 'ca-bundle').configMap.name).toBe('fd-flightdeck-ca');
      expect(pod.containers[0].volumeMounts.find((m: AnyRecord) => m.name === 'ca-bundle')).toEqual({ name: 'ca-bundle', mountPath: '/etc/flightdeck-ca', readOnly: true });
      expect(envVar(pod, 'NODE_EXTRA_CA_CERTS').value).toBe('/etc/flightdeck-ca/ca.crt');
      expect(envVar(pod, 'PAGERDUTY_CA_FILE').value).toBe('/etc/flightdeck-ca/ca.crt');
    }
    const fromConfigMap = podOf(renderChart([example('multi-cluster')]).objects, 'worker');
    expect(fromConfigMap.volumes.find((v: AnyRecord) => v.name === 'ca-bundle').configMap.name).toBe('internal-ca');
    expect(envNames(fromConfigMap)).not.toContain('PAGERDUTY_CA_FILE');
    expect(() => renderChart([...values('secrets'), inline('caBundle: { configMapName: a, secretName: b }\n')])).toThrow(/caBundle: set only one/);
  });

  it('adds extra volumes to both roles, mounted read-only unless the mount says otherwise', () => {
    const objects = renderChart([...values('secrets', 'every-setting'), inline('extraVolumeMounts:\n  - { name: plugins, mountPath: /opt/plugins }\n  - { name: plugins, mountPath: /var/scratch, subPath: s, readOnly: false }\n')]).objects;
    for (const role of ['web', 'worker'] as const) {
      const pod = podOf(objects, role);
      expect(pod.volumes).toContainEqual({ name: 'plugins', emptyDir: {} });
      expect(pod.containers[0].volumeMounts.slice(-2)).toEqual([
        { name: 'plugins', mountPath: '/opt/plugins', readOnly: true },
        { name: 'plugins', mountPath: '/var/scratch', subPath: 's', readOnly: false },
      ]);
    }
  });

  it.each([
    ['the default catalog', values('secrets'), ['flightdeck']],
    ['a catalog with an override', [example('http-ingress')], ['api', 'api-staging']],
    ['in-cluster environments only', [example('multi-cluster')], ['api']],
    ['explicit targetNamespaces', values('secrets', 'target-namespaces'), ['shop', 'payments']],
  ])('puts the Roles where the catalog deploys: %s', (_case, files, namespaces) => {
    const objects = renderChart(files).objects;
    expect(ofKind(objects, 'Role').map((r) => r.metadata.namespace)).toEqual(namespaces);
    const services = (one(objects, 'ConfigMap', 'fd-flightdeck').data['flightdeck.yaml'] as string).match(/namespace: (\S+)/g);
    expect(services).not.toContain('namespace: default');
  });

  it('routes only the path /slack/events through the Ingress, and only in HTTP mode', () => {
    const ingress = one(renderChart([example('http-ingress')]).objects, 'Ingress', 'fd-flightdeck');
    expect(ingress.spec.ingressClassName).toBe('nginx');
    expect(ingress.spec.tls).toEqual([{ hosts: ['flightdeck.example.com'], secretName: 'flightdeck-tls' }]);
    expect(ingress.spec.rules).toEqual([
      { host: 'flightdeck.example.com', http: { paths: [{ path: '/slack/events', pathType: 'Exact', backend: { service: { name: 'fd-flightdeck', port: { name: 'http' } } } }] } },
    ]);
    expect(() => renderChart([example('socket-mode'), inline('ingress: { enabled: true, host: a.example.com }\n')])).toThrow(/ingress.enabled needs slack.mode http or api.expose/);
    expect(() => renderChart([...values('secrets'), inline('ingress: { enabled: true }\n')])).toThrow(/ingress.host is required/);
  });

  it('routes the CI API through the Ingress and a Service only with api.expose, in Socket Mode too, and reads its tokens from a Secret on web pods only', () => {
    const route = { path: '/api/v1/', pathType: 'Prefix', backend: { service: { name: 'fd-flightdeck', port: { name: 'http' } } } };
    const http = one(renderChart([example('http-ingress'), inline('api: { expose: true }\n')]).objects, 'Ingress', 'fd-flightdeck');
    expect(http.spec.rules[0].http.paths).toEqual([expect.objectContaining({ path: '/slack/events' }), route]);
    const socket = renderChart([example('socket-mode'), inline('api: { expose: true }\ningress: { enabled: true, host: ci.example.com }\n')]).objects;
    expect(one(socket, 'Ingress', 'fd-flightdeck').spec.rules[0].http.paths).toEqual([route]);
    expect(one(socket, 'Service', 'fd-flightdeck').spec.ports).toEqual([expect.objectContaining({ name: 'http', targetPort: 'http' })]);
    expect(renderChart([example('socket-mode')]).objects.some((o) => o.kind === 'Service' && o.metadata.name === 'fd-flightdeck')).toBe(false);

    const objects = renderChart([...values('secrets'), inline('api: { tokens: { secretName: ci-tokens, key: tokens.yaml } }\n')]).objects;
    const envOf = (name: string) => one(objects, 'Deployment', name).spec.template.spec.containers[0].env as Array<{ name: string; valueFrom?: unknown }>;
    expect(envOf('fd-flightdeck-web').find((v) => v.name === 'API_TOKENS')?.valueFrom).toEqual({ secretKeyRef: { name: 'ci-tokens', key: 'tokens.yaml', optional: true } });
    expect(envOf('fd-flightdeck-worker').some((v) => v.name === 'API_TOKENS')).toBe(false);
    const chartSecret = one(renderChart([...values('secrets'), inline('secrets: { apiTokens: "[]" }\n')]).objects, 'Secret', 'fd-flightdeck');
    expect(chartSecret.stringData['api-tokens']).toBe('[]');
  });

  it('scrapes both roles through a ServiceMonitor, in Socket Mode too', () => {
    const objects = renderChart([example('socket-mode')]).objects;
    const service = one(objects, 'Service', 'fd-flightdeck-metrics');
    expect(service.spec.clusterIP).toBe('None');
    for (const role of ['web', 'worker'] as const) expect(one(objects, 'Deployment', `fd-flightdeck-${role}`).spec.template.metadata.labels).toMatchObject(service.spec.selector);
    const monitor = one(objects, 'ServiceMonitor', 'fd-flightdeck');
    expect(service.metadata.labels).toMatchObject(monitor.spec.selector.matchLabels);
    expect(monitor.metadata.labels.release).toBe('kube-prometheus-stack');
    expect(monitor.spec.endpoints).toEqual([{ port: 'http', path: '/metrics', interval: '30s' }]);
  });

  it('ships the dashboard as a ConfigMap Grafana\'s sidecar picks up', () => {
    const configMap = one(renderChart([example('http-ingress')]).objects, 'ConfigMap', 'fd-flightdeck-dashboard');
    expect(configMap.metadata.labels.grafana_dashboard).toBe('1');
    expect(JSON.parse(configMap.data['flightdeck.json']).uid).toBe('flightdeck');
  });

  it('scales workers on queue depth with KEDA instead of an HPA when asked', () => {
    const objects = renderChart([example('multi-cluster')]).objects;
    expect(ofKind(objects, 'HorizontalPodAutoscaler')).toEqual([]);
    expect(one(objects, 'Deployment', 'fd-flightdeck-worker').spec.replicas).toBeUndefined();
    const scaled = one(objects, 'ScaledObject', 'fd-flightdeck-worker');
    expect(scaled.spec).toMatchObject({ scaleTargetRef: { name: 'fd-flightdeck-worker' }, minReplicaCount: 2, maxReplicaCount: 8 });
    // One worker per worker.concurrency jobs waiting or running, for this release's series only.
    expect(scaled.spec.triggers).toEqual([
      {
        type: 'prometheus',
        metricType: 'AverageValue',
        metadata: {
          serverAddress: 'http://prometheus-operated.monitoring.svc:9090',
          query: 'sum(max by (queue) (flightdeck_queue_jobs{namespace="flightdeck", job="fd-flightdeck-metrics", state=~"waiting|prioritized|active"}))',
          threshold: '16',
        },
      },
    ]);
    expect(() => renderChart([...values('secrets'), inline('worker: { autoscaling: { enabled: true, keda: { enabled: true } } }\n')])).toThrow(/keda.prometheusUrl is required/);
    expect(() => renderChart([...values('secrets'), inline('worker: { autoscaling: { keda: { enabled: true, prometheusUrl: "http://p:9090" } } }\n')])).toThrow(/keda.enabled needs worker.autoscaling.enabled/);
  });

  it.each([
    ['a routing key variable that is not a variable name', 'pagerduty: { routingKeys: [{ env: pd-key, key: k }] }\n', /routingKeys/],
    ['a lock shorter than the code allows', 'worker: { lockMs: 999 }\n', /lockMs/],
    ['a duration cap without a unit', 'runs: { checklistDurationCap: "5" }\n', /checklistDurationCap/],
    ['a CA bundle that is not PEM', 'caBundle: { pem: "not a certificate" }\n', /caBundle/],
  ])('refuses %s (values.schema.json)', (_case, text, message) => {
    expect(() => renderChart([...values('existing-secret'), inline(text)])).toThrow(message);
  });
});
