import { RESOURCE_TYPES, type ResourceType } from './resource-types.js';

/** The version the emulator claims; kubectl only compares it for its skew warning. */
export const SERVER_VERSION = {
  major: '1',
  minor: '30',
  gitVersion: 'v1.30.0',
  gitCommit: 'emulator',
  gitTreeState: 'clean',
  buildDate: '2024-04-17T00:00:00Z',
  goVersion: 'go1.22.2',
  compiler: 'gc',
  platform: 'linux/amd64',
};

const groups = () => [...new Set(RESOURCE_TYPES.filter((t) => t.group !== '').map((t) => t.group))];

function resourceList(groupVersion: string, types: ResourceType[]): unknown {
  const resources = types.flatMap((t) => [
    {
      name: t.resource,
      singularName: t.singular,
      namespaced: t.namespaced !== false,
      kind: t.kind,
      verbs: t.verbs,
      ...(t.shortNames.length > 0 ? { shortNames: t.shortNames } : {}),
      ...(t.categories ? { categories: t.categories } : {}),
      storageVersionHash: Buffer.from(t.resource).toString('base64').slice(0, 11),
    },
    ...t.subresources.map((sub) =>
      sub === 'scale'
        ? { name: `${t.resource}/scale`, singularName: '', namespaced: true, group: 'autoscaling', version: 'v1', kind: 'Scale', verbs: ['get', 'patch', 'update'] }
        : { name: `${t.resource}/${sub}`, singularName: '', namespaced: true, kind: sub === 'log' ? 'Pod' : t.kind, verbs: ['get'] },
    ),
  ]);
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion, resources };
}

/**
 * Legacy (unaggregated) discovery: `/version`, `/api`, `/apis`, `/api/v1`, `/apis/{group}/{version}`.
 * A client asking for aggregated discovery gets these plain documents with `Content-Type: application/json`,
 * which client-go takes as "server does not aggregate" and falls back. Undefined for other paths.
 */
export function discovery(path: string, serverAddress: string): unknown {
  const p = path.replace(/\/$/, '');
  if (p === '/version') return SERVER_VERSION;
  if (p === '/api') return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }] };
  if (p === '/apis') {
    return {
      kind: 'APIGroupList',
      apiVersion: 'v1',
      groups: groups().map((name) => {
        const version = RESOURCE_TYPES.find((t) => t.group === name)?.version ?? 'v1';
        const gv = { groupVersion: `${name}/${version}`, version };
        return { name, versions: [gv], preferredVersion: gv };
      }),
    };
  }
  if (p === '/api/v1') return resourceList('v1', RESOURCE_TYPES.filter((t) => t.group === ''));
  const m = /^\/apis\/([^/]+)\/([^/]+)$/.exec(p);
  if (m) {
    const types = RESOURCE_TYPES.filter((t) => t.group === m[1] && t.version === m[2]);
    if (types.length > 0) return resourceList(`${m[1]}/${m[2]}`, types);
  }
  return undefined;
}
