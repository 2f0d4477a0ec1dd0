import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';

export const CHART_DIR = resolve(import.meta.dirname, '../../helm/flightdeck');
const RENDERER_SOURCE = resolve(import.meta.dirname, 'render');
/** Debian installs Go libraries here; GOPATH mode resolves sprig, yaml.v3 and gojsonschema from it. */
const GOPATH = '/usr/share/gocode';

/** One rendered Kubernetes object, with the template it came from. */
export interface RenderedObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  template: string;
  [key: string]: unknown;
}

export interface RenderResult {
  objects: RenderedObject[];
  notes: string;
}

/** Why the Go renderer cannot run here, or undefined when it can. */
export function goUnavailable(): string | undefined {
  const probe = spawnSync('go', ['version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) return 'the `go` command is not installed (apt-get install golang-go)';
  return undefined;
}

let binary: string | undefined;

/** Builds the renderer once per test process (GOPATH mode, Debian's packaged libraries). */
function rendererBinary(): string {
  if (binary) return binary;
  const out = join(mkdtempSync(join(tmpdir(), 'flightdeck-helm-')), 'render');
  execFileSync('go', ['build', '-o', out, '.'], {
    cwd: RENDERER_SOURCE,
    env: { ...process.env, GO111MODULE: 'off', GOPATH, GOFLAGS: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  binary = out;
  return out;
}

/**
 * Renders the chart like `helm template <release> helm/flightdeck -n <namespace> -f <file>…` and parses
 * every YAML document. Throws with the renderer's message when values or templates are refused.
 */
export function renderChart(valueFiles: readonly string[], release = 'fd', namespace = 'flightdeck'): RenderResult {
  const result = spawnSync(rendererBinary(), [CHART_DIR, release, namespace, ...valueFiles], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(result.stderr.trim() || `renderer exited with ${result.status}`);
  const output = JSON.parse(result.stdout) as { manifests: Record<string, string>; notes: string };
  const objects: RenderedObject[] = [];
  for (const [template, text] of Object.entries(output.manifests)) {
    for (const document of parseAllDocuments(text)) {
      if (document.errors.length > 0) throw new Error(`${template} is not valid YAML: ${document.errors[0]!.message}\n${text}`);
      const value = document.toJS() as RenderedObject | null;
      if (value !== null) objects.push({ ...value, template });
    }
  }
  return { objects, notes: output.notes };
}
