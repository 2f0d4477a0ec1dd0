import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkConfig } from '../../src/config/check-config.js';
import { CHART_DIR, goUnavailable, renderChart, type RenderedObject } from './render-chart.js';
import { requireTool, skipWithout } from '../support/skip-without.js';
import { validateObject } from './validate-object.js';

const VALUES = resolve(import.meta.dirname, 'values');
const values = (...names: string[]) => names.map((name) => join(VALUES, `${name}.yaml`));
const example = (name: string) => resolve(CHART_DIR, 'examples', `${name}.yaml`);

/** The documented variants (docs/operations.md): value files layered as `helm install -f a -f b` would. */
const VARIANTS: Record<string, string[]> = {
  default: values('secrets'),
  'existing secret': values('existing-secret'),
  'socket mode': values('socket-mode'),
  'roles in target namespaces': values('secrets', 'target-namespaces'),
  'cluster-wide RBAC': values('secrets', 'cluster-wide'),
  'worker autoscaling': values('secrets', 'autoscaling'),
  'locked-down network': values('existing-secret', 'locked-down'),
  'no NetworkPolicy': values('secrets', 'no-network-policy'),
  'every optional setting': values('secrets', 'every-setting'),
  // helm/flightdeck/examples/, as an operator installs them (their Secret exists already).
  'example: Socket Mode': [example('socket-mode')],
  'example: HTTP behind an Ingress': [example('http-ingress')],
  'example: multi-cluster': [example('multi-cluster')],
};

type AnyRecord = Record<string, any>;

const ofKind = (objects: RenderedObject[], kind: string) => objects.filter((object) => object.kind === kind) as AnyRecord[];
const one = (objects: RenderedObject[], kind: string, name: string) => {
  const found = objects.find((object) => object.kind === kind && object.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name}; rendered: ${objects.map((o) => `${o.kind}/${o.metadata.name}`).join(', ')}`);
  return found as AnyRecord;
};
const portsOf = (rule: AnyRecord) => (rule.ports as AnyRecord[]).map((port) => `${port.port}/${port.protocol}`);

const unavailable = goUnavailable();

describe.skipIf(skipWithout(unavailable, 'the Helm chart tests'))('helm/flightdeck rendered with text/template + sprig', () => {
  beforeAll(() => requireTool(unavailable));

  describe.each(Object.entries(VARIANTS))('%s', (_variant, files) => {
    // Rendered when the tests run, not while vitest collects them: collection happens even for skipped suites.
    let objects: RenderedObject[];
    beforeAll(() => {
      objects = renderChart(files).objects;
    });

    it('renders only objects that validate against the Kubernetes schemas', () => {
      expect(objects.length).toBeGreaterThan(5);
      for (const object of objects) validateObject(object);
    });

    it('hardens every pod and container, the doctor test\'s too', () => {
      const deployments = ofKind(objects, 'Deployment');
      expect(deployments.map((d) => d.metadata.name).sort()).toEqual(['fd-flightdeck-web', 'fd-flightdeck-worker']);
      const pods = [...deployments.map((d) => d.spec.template.spec), ...ofKind(objects, 'Pod').map((p) => p.spec)];
      expect(pods).toHaveLength(3);
      for (const pod of pods) {
        expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
        expect(pod.securityContext.runAsUser).toBeGreaterThan(0);
        for (const container of pod.containers) {
          expect(container.securityContext).toEqual({
            runAsNonRoot: true,
            readOnlyRootFilesystem: true,
            allowPrivilegeEscalation: false,
            privileged: false,
            capabilities: { drop: ['ALL'] },
            seccompProfile: { type: 'RuntimeDefault' },
          });
          // The only writable path is the /tmp emptyDir.
          const writable = container.volumeMounts.filter((mount: AnyRecord) => !mount.readOnly);
          expect(writable.map((mount: AnyRecord) => mount.mountPath)).toEqual(['/tmp']);
          expect(pod.volumes.find((volume: AnyRecord) => volume.name === 'tmp').emptyDir).toBeDefined();
        }
      }
    });

    it('runs one image with one entrypoint, the role chosen by FLIGHTDECK_ROLE, probed on /healthz and /readyz', () => {
      const images = new Set<string>();
      for (const role of ['web', 'worker']) {
        const deployment = one(objects, 'Deployment', `fd-flightdeck-${role}`);
        const pod = deployment.spec.template.spec;
        expect(deployment.spec.selector.matchLabels['app.kubernetes.io/component']).toBe(role);
        expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(25);
        const [container, ...others] = pod.containers;
        expect(others).toEqual([]);
        images.add(container.image);
        expect(container.command).toBeUndefined();
        expect(container.args).toEqual(['serve']);
        const env = Object.fromEntries(container.env.map((variable: AnyRecord) => [variable.name, variable]));
        expect(env.FLIGHTDECK_ROLE.value).toBe(role);
        // One Redis, one installation: the prefix defaults to the release, and the installation is named.
        expect(env.REDIS_PREFIX.value).toBe('fd');
        expect(env.FLIGHTDECK_INSTALLATION.value).toBe('flightdeck/fd');
        expect(env.PORT.value).toBe(String(container.ports[0].containerPort));
        for (const secret of ['SLACK_BOT_TOKEN', 'REDIS_URL']) expect(env[secret].valueFrom.secretKeyRef.name).toBeTruthy();
        expect(container.ports).toEqual([{ name: 'http', containerPort: 3000, protocol: 'TCP' }]);
        expect(container.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
        expect(container.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'http' });
        expect(container.resources.requests).toBeDefined();
      }
      expect(images.size).toBe(1);
    });

    it('binds the Role to the worker account only; the web role gets no token and no kubeconfig', () => {
      const roles = [...ofKind(objects, 'Role'), ...ofKind(objects, 'ClusterRole')];
      expect(roles.length).toBeGreaterThan(0);
      // Which verbs, exactly, is test/helm/rbac-rules.test.ts's job; here every Role must be the same.
      for (const role of roles) expect(role.rules).toEqual(roles[0]!.rules);
      const bindings = [...ofKind(objects, 'RoleBinding'), ...ofKind(objects, 'ClusterRoleBinding')];
      expect(bindings).toHaveLength(roles.length);
      for (const name of ['fd-flightdeck-worker', 'fd-flightdeck-web']) expect(one(objects, 'ServiceAccount', name).automountServiceAccountToken).toBe(false);
      for (const binding of bindings) {
        expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'fd-flightdeck-worker', namespace: 'flightdeck' }]);
        expect(binding.roleRef.kind).toBe(binding.kind === 'RoleBinding' ? 'Role' : 'ClusterRole');
      }
      const worker = one(objects, 'Deployment', 'fd-flightdeck-worker').spec.template.spec;
      expect(worker).toMatchObject({ serviceAccountName: 'fd-flightdeck-worker', automountServiceAccountToken: true });
      const web = one(objects, 'Deployment', 'fd-flightdeck-web').spec.template.spec;
      expect(web).toMatchObject({ serviceAccountName: 'fd-flightdeck-web', automountServiceAccountToken: false });
      expect(web.volumes.map((v: AnyRecord) => v.name)).not.toContain('kubeconfig');
      expect(web.containers[0].env.map((v: AnyRecord) => v.name)).not.toContain('KUBECONFIG');
    });

    it('keeps disruptions to one pod per role, with budgets that select the right pods', () => {
      for (const budget of ofKind(objects, 'PodDisruptionBudget')) {
        const role = budget.metadata.name.replace('fd-flightdeck-', '');
        const deployment = one(objects, 'Deployment', `fd-flightdeck-${role}`);
        expect(budget.spec.selector.matchLabels).toEqual(deployment.spec.selector.matchLabels);
        expect(deployment.spec.template.metadata.labels).toMatchObject(budget.spec.selector.matchLabels);
      }
      expect(ofKind(objects, 'PodDisruptionBudget')).toHaveLength(2);
    });

    it('mounts the catalog and every checklist from the ConfigMap where FLIGHTDECK_CONFIG points', () => {
      const configMap = one(objects, 'ConfigMap', 'fd-flightdeck');
      const pod = one(objects, 'Deployment', 'fd-flightdeck-worker').spec.template.spec;
      const volume = pod.volumes.find((v: AnyRecord) => v.name === 'config');
      expect(volume.configMap.name).toBe('fd-flightdeck');
      for (const item of volume.configMap.items) expect(configMap.data[item.key]).toBeTruthy();
      expect(volume.configMap.items.map((item: AnyRecord) => item.path)).toEqual(['flightdeck.yaml', 'checklists/standard.yaml']);
    });

    it('renders a catalog and checklists that flightdeck itself accepts', async () => {
      const configMap = one(objects, 'ConfigMap', 'fd-flightdeck');
      const dir = mkdtempSync(join(tmpdir(), 'flightdeck-helm-config-'));
      mkdirSync(join(dir, 'checklists'));
      writeFileSync(join(dir, 'flightdeck.yaml'), configMap.data['flightdeck.yaml']);
      writeFileSync(join(dir, 'checklists', 'standard.yaml'), configMap.data['checklist-standard.yaml']);
      expect(await checkConfig({ configPath: join(dir, 'flightdeck.yaml'), checklistDir: join(dir, 'checklists') })).toEqual([]);
    });
  });

  it('by default: one Role in the release namespace, a Service for HTTP mode and a Secret from values, no HPA', () => {
    const { objects, notes } = renderChart(VARIANTS.default!);
    expect(ofKind(objects, 'Role').map((role) => role.metadata.namespace)).toEqual(['flightdeck']);
    const service = one(objects, 'Service', 'fd-flightdeck');
    expect(service.spec.selector['app.kubernetes.io/component']).toBe('web');
    expect(service.spec.ports).toEqual([{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }]);
    const secret = one(objects, 'Secret', 'fd-flightdeck');
    expect(Object.keys(secret.stringData).sort()).toEqual(['redis-url', 'slack-bot-token', 'slack-signing-secret']);
    expect(ofKind(objects, 'HorizontalPodAutoscaler')).toEqual([]);
    expect(one(objects, 'Deployment', 'fd-flightdeck-worker').spec.replicas).toBe(2);
    // Secret values live only in the Secret: never inline in a pod spec or a ConfigMap.
    for (const object of objects.filter((o) => o.kind !== 'Secret')) {
      expect(JSON.stringify(object)).not.toMatch(/xoxb-helm-test|helm-test-signing-secret|helm-test-password/);
    }
    expect(notes).toContain('/slack/events');
    expect(notes).toContain('WARNING: networkPolicy.kubernetesApi.cidrs is empty');
  });

  it('allows only DNS, Redis, the Kubernetes API, HTTPS and the probe ports as egress, and ingress only to the HTTP port', () => {
    const policy = one(renderChart(VARIANTS.default!).objects, 'NetworkPolicy', 'fd-flightdeck');
    expect(policy.spec.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(policy.spec.podSelector.matchLabels).toEqual({ 'app.kubernetes.io/name': 'flightdeck', 'app.kubernetes.io/instance': 'fd' });
    expect(policy.spec.egress.map(portsOf)).toEqual([['53/UDP', '53/TCP'], ['6379/TCP'], ['6443/TCP'], ['443/TCP'], ['80/TCP', '8080/TCP', '9090/TCP']]);
    expect(policy.spec.egress[3].to).toEqual([{ ipBlock: { cidr: '0.0.0.0/0' } }]);
    // The production checklist's checks and guards (HTTP on 80, Prometheus on 9090) work without extraEgress.
    expect(policy.spec.egress[4].to).toBeUndefined();
    expect(policy.spec.ingress).toEqual([{ ports: [{ port: 'http', protocol: 'TCP' }] }]);
  });

  it('pins Redis, the API server and ingress sources when told, and mounts an external kubeconfig', () => {
    const { objects, notes } = renderChart(VARIANTS['locked-down network']!);
    const policy = one(objects, 'NetworkPolicy', 'fd-flightdeck');
    expect(policy.spec.egress.map(portsOf)).toEqual([['53/UDP', '53/TCP'], ['6380/TCP'], ['443/TCP'], ['443/TCP'], ['8080/TCP'], ['9090/TCP']]);
    expect(policy.spec.egress[4].to).toEqual([{ ipBlock: { cidr: '10.40.0.0/16' } }]);
    expect(policy.spec.egress[1].to).toEqual([{ ipBlock: { cidr: '10.20.0.0/24' } }]);
    expect(policy.spec.egress[2].to).toEqual([{ ipBlock: { cidr: '10.0.0.1/32' } }]);
    expect(policy.spec.ingress[0].from).toEqual([{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } }]);
    expect(notes).not.toContain('WARNING');
    const container = one(objects, 'Deployment', 'fd-flightdeck-worker').spec.template.spec.containers[0];
    expect(container.image).toMatch(/@sha256:[0-9a-f]{64}$/);
    expect(container.env.find((v: AnyRecord) => v.name === 'KUBECONFIG').value).toBe('/etc/flightdeck-kube/kubeconfig');
    expect(container.volumeMounts.find((m: AnyRecord) => m.name === 'kubeconfig')).toMatchObject({ readOnly: true });
    const web = one(objects, 'Deployment', 'fd-flightdeck-web').spec.template.spec;
    expect(web.containers[0].volumeMounts.map((m: AnyRecord) => m.name)).not.toContain('kubeconfig');
  });

  it('renders no NetworkPolicy when disabled', () => {
    expect(ofKind(renderChart(VARIANTS['no NetworkPolicy']!).objects, 'NetworkPolicy')).toEqual([]);
  });

  it('reads credentials from an existing Secret without creating one', () => {
    const { objects } = renderChart(VARIANTS['existing secret']!);
    expect(ofKind(objects, 'Secret')).toEqual([]);
    const env = one(objects, 'Deployment', 'fd-flightdeck-web').spec.template.spec.containers[0].env as AnyRecord[];
    const refs = env.filter((v) => v.valueFrom).map((v) => [v.name, v.valueFrom.secretKeyRef]);
    expect(refs).toEqual([
      ['SLACK_BOT_TOKEN', { name: 'flightdeck-credentials', key: 'slack-bot-token' }],
      ['SLACK_SIGNING_SECRET', { name: 'flightdeck-credentials', key: 'slack-signing-secret' }],
      ['API_TOKENS', { name: 'flightdeck-credentials', key: 'api-tokens', optional: true }],
      ['PAGERDUTY_API_TOKEN', { name: 'flightdeck-credentials', key: 'pagerduty-token', optional: true }],
      ['REDIS_URL', { name: 'flightdeck-credentials', key: 'redis-url' }],
    ]);
  });

  it('renders no Service in Socket Mode and gives the web role the app-level token', () => {
    const { objects, notes } = renderChart(VARIANTS['socket mode']!);
    expect(ofKind(objects, 'Service')).toEqual([]);
    const env = one(objects, 'Deployment', 'fd-flightdeck-web').spec.template.spec.containers[0].env as AnyRecord[];
    expect(env.map((v) => v.name)).toContain('SLACK_APP_TOKEN');
    expect(env.map((v) => v.name)).not.toContain('SLACK_SIGNING_SECRET');
    expect(Object.keys(one(objects, 'Secret', 'fd-flightdeck').stringData)).toContain('slack-app-token');
    expect(notes).toContain('Socket Mode');
  });

  it('creates a Role and RoleBinding in each target namespace', () => {
    const { objects } = renderChart(VARIANTS['roles in target namespaces']!);
    expect(ofKind(objects, 'Role').map((r) => r.metadata.namespace)).toEqual(['shop', 'payments']);
    expect(ofKind(objects, 'RoleBinding').map((r) => r.metadata.namespace)).toEqual(['shop', 'payments']);
    expect(ofKind(objects, 'ClusterRole')).toEqual([]);
  });

  it('creates a ClusterRole instead of Roles when asked', () => {
    const { objects } = renderChart(VARIANTS['cluster-wide RBAC']!);
    expect(ofKind(objects, 'ClusterRole')).toHaveLength(1);
    expect(ofKind(objects, 'Role')).toEqual([]);
  });

  it('scales workers with an HPA that owns their replica count', () => {
    const { objects } = renderChart(VARIANTS['worker autoscaling']!);
    const hpa = one(objects, 'HorizontalPodAutoscaler', 'fd-flightdeck-worker');
    expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'fd-flightdeck-worker' });
    expect(hpa.spec).toMatchObject({ minReplicas: 2, maxReplicas: 8 });
    expect(one(objects, 'Deployment', 'fd-flightdeck-worker').spec.replicas).toBeUndefined();
  });

  it.each([
    'redis+sentinel://:helm-test-password@s1:26379,s2:26379,s3:26379/flightdeck',
    'rediss+cluster://:helm-test-password@n1:6379,n2:6379,n3:6379',
  ])('takes a Sentinel or Cluster REDIS_URL in secrets.redisUrl: %s', (url) => {
    const file = join(mkdtempSync(join(tmpdir(), 'flightdeck-helm-values-')), 'values.yaml');
    writeFileSync(file, `secrets:\n  redisUrl: "${url}"\n`);
    expect(one(renderChart([...values('secrets'), file]).objects, 'Secret', 'fd-flightdeck').stringData['redis-url']).toBe(url);
  });

  it('refuses to render without credentials, naming the missing value', () => {
    expect(() => renderChart([])).toThrow(/secrets\.slackBotToken is required \(or set existingSecret\)/);
  });

  it.each([
    ['an unknown Slack mode', 'slack:\n  mode: events\n', /slack\.mode/],
    ['a grace period below the shutdown deadline', 'terminationGracePeriodSeconds: 10\n', /terminationGracePeriodSeconds/],
    ['a misspelt top-level key', 'replicas: 3\n', /Additional property replicas is not allowed/],
    ['a privileged port', 'containerPort: 80\n', /containerPort/],
    ['a Redis URL of another scheme', 'secrets:\n  redisUrl: memcached://cache:11211\n', /redisUrl/],
  ])('refuses values with %s (values.schema.json)', (_case, text, message) => {
    const file = join(mkdtempSync(join(tmpdir(), 'flightdeck-helm-values-')), 'values.yaml');
    writeFileSync(file, text);
    expect(() => renderChart([...values('existing-secret'), file])).toThrow(message);
  });
});
