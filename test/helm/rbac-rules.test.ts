import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { CHART_RBAC_COPY, renderChartRbac } from './chart-rbac-objects.js';
import { goUnavailable, renderChart } from './render-chart.js';
import { asRules, requiredPermissions } from './required-rbac-rules.js';

const VALUES = resolve(import.meta.dirname, 'values');
const skipReason = goUnavailable();

const granted = (rules: Array<{ apiGroups: string[]; resources: string[]; verbs: string[] }>) =>
  rules.flatMap((r) => r.apiGroups.flatMap((apiGroup) => r.resources.flatMap((resource) => r.verbs.map((verb) => `${verb} ${resource} (group "${apiGroup}")`))));

describe('the permissions flightdeck needs, read from its code', () => {
  it('are found for every kind of call it makes', () => {
    const needed = asRules(requiredPermissions());
    // A guard against the reader silently finding nothing: each of these is a real call in src/k8s.
    expect(granted(needed)).toEqual(expect.arrayContaining(['create deployments (group "apps")', 'watch jobs (group "batch")', 'get pods/log (group "")', 'patch httproutes (group "gateway.networking.k8s.io")']));
  });
});

describe.skipIf(skipReason !== undefined)('the chart grants exactly what the code uses', () => {
  const needed = requiredPermissions();
  const neededKeys = new Set(granted(asRules(needed)));

  it.each([
    ['default (a Role per target namespace)', ['secrets']],
    ['cluster-wide', ['secrets', 'cluster-wide']],
  ])('%s: nothing missing, nothing unused', (_variant, files) => {
    const roles = renderChart(files.map((f) => join(VALUES, `${f}.yaml`))).objects.filter((o) => o.kind === 'Role' || o.kind === 'ClusterRole');
    expect(roles.length).toBeGreaterThan(0);
    for (const role of roles) {
      const has = new Set(granted(role.rules as never));
      const missing = needed.filter((p) => !has.has(`${p.verb} ${p.resource} (group "${p.apiGroup}")`)).map((p) => `${p.verb} ${p.resource} (group "${p.apiGroup}") used at ${p.at}`);
      const unused = [...has].filter((k) => !neededKeys.has(k));
      expect({ missing, unused }).toEqual({ missing: [], unused: [] });
    }
  });

  it('the copy the emulators load when Go is missing is the chart as rendered now', () => {
    const committed = parseAllDocuments(readFileSync(CHART_RBAC_COPY, 'utf8')).map((d) => d.toJS());
    expect(committed, 'regenerate with: npx tsx test/helm/write-chart-rbac.ts').toEqual(JSON.parse(JSON.stringify(renderChartRbac())));
  });
});
