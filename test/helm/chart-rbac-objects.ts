import { join, resolve } from 'node:path';
import { type RenderedObject, renderChart } from './render-chart.js';

const KINDS = ['ServiceAccount', 'Role', 'RoleBinding', 'ClusterRole', 'ClusterRoleBinding'];
/** Where the rendered copy lives, for emulators started where Go is missing (see loadChartRbac). */
export const CHART_RBAC_COPY = resolve(import.meta.dirname, '../../sandbox/kubernetes/chart-rbac.yaml');

/**
 * The ServiceAccounts and RBAC objects of `helm install flightdeck helm/flightdeck -n flightdeck` with the
 * default values and `rbac.targetNamespaces: [shop]` (docs/operations.md's example), as the emulators load
 * them. Needs Go (see render-chart.ts).
 */
export function renderChartRbac(): RenderedObject[] {
  const files = [join(import.meta.dirname, 'values', 'secrets.yaml'), join(import.meta.dirname, 'values', 'target-shop.yaml')];
  return renderChart(files, 'flightdeck', 'flightdeck')
    .objects.filter((o) => KINDS.includes(o.kind))
    .map(({ template: _template, ...o }) => o as RenderedObject);
}
