import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/*
 * No container engine runs on the build machines, so the image is checked statically: these tests read
 * the Dockerfile the way the builder would and assert the properties the chart's securityContext relies on.
 */

const ROOT = resolve(import.meta.dirname, '../..');

interface Stage {
  name: string;
  base: string;
  instructions: Array<{ op: string; args: string }>;
}

/** Splits a Dockerfile into stages (comments dropped, `\` continuations joined, ARG defaults substituted in FROM). */
function parseDockerfile(text: string): Stage[] {
  const lines = text.replace(/\\\n/g, ' ').split('\n').map((line) => line.trim()).filter((line) => line && !line.startsWith('#'));
  const args: Record<string, string> = {};
  const stages: Stage[] = [];
  for (const line of lines) {
    const [op = '', ...rest] = line.split(/\s+/);
    const argText = rest.join(' ');
    if (op.toUpperCase() === 'ARG' && stages.length === 0) {
      const [key, value = ''] = argText.split('=');
      args[key!] = value;
    } else if (op.toUpperCase() === 'FROM') {
      const [image = '', , name = `stage-${stages.length}`] = rest;
      stages.push({ name, base: image.replace(/\$\{(\w+)\}/g, (_, key: string) => args[key] ?? ''), instructions: [] });
    } else {
      stages.at(-1)?.instructions.push({ op: op.toUpperCase(), args: argText });
    }
  }
  return stages;
}

const stages = parseDockerfile(readFileSync(resolve(ROOT, 'Dockerfile'), 'utf8'));
const runtime = stages.at(-1)!;
const find = (stage: Stage, op: string) => stage.instructions.filter((instruction) => instruction.op === op);

describe('Dockerfile', () => {
  it('is multi-stage: compiles in one stage, installs production dependencies in another', () => {
    expect(stages.length).toBeGreaterThanOrEqual(3);
    const build = stages.find((stage) => find(stage, 'RUN').some((run) => run.args.includes('npm run build')))!;
    expect(find(build, 'RUN').some((run) => /npm ci(?!.*--omit=dev)/.test(run.args))).toBe(true);
    const deps = stages.find((stage) => find(stage, 'RUN').some((run) => /npm ci .*--omit=dev/.test(run.args)))!;
    expect(deps).toBeDefined();
    const copies = find(runtime, 'COPY').map((copy) => copy.args);
    expect(copies).toContainEqual(expect.stringMatching(new RegExp(`--from=${deps.name} .*node_modules`)));
    expect(copies).toContainEqual(expect.stringMatching(new RegExp(`--from=${build.name} .*dist`)));
    // package.json's `prepare` compiles on every install; here the sources are not there yet (build) or the
    // compiler is left out (deps), so both installs skip it.
    for (const stage of [build, deps]) expect(find(stage, 'RUN').filter((run) => /npm ci/.test(run.args)).every((run) => run.args.includes('--ignore-scripts'))).toBe(true);
    // The running image never installs anything itself: no compiler, no dev dependencies.
    expect(find(runtime, 'RUN')).toEqual([]);
  });

  it('runs on a maintained Node LTS line', () => {
    const major = Number(/^node:(\d+)/.exec(runtime.base)?.[1]);
    expect(major % 2).toBe(0);
    expect(major).toBeGreaterThanOrEqual(22);
    expect(new Set(stages.map((stage) => stage.base)).size).toBe(1);
  });

  it('pins the base image to a Node release (major.minor.patch), optionally with a digest', () => {
    expect(runtime.base).toMatch(/^node:\d+\.\d+\.\d+-[a-z]+(-slim)?(@sha256:[0-9a-f]{64})?$/);
  });

  it('runs as a numeric non-root user, which runAsNonRoot can verify', () => {
    const users = find(runtime, 'USER');
    expect(users).toHaveLength(1);
    const [uid, gid] = users[0]!.args.split(':').map(Number);
    expect(uid).toBeGreaterThan(0);
    expect(gid).toBeGreaterThan(0);
  });

  it('has one entrypoint for every role: node dist/src/cli.js serve, the file package.json publishes', () => {
    expect(find(runtime, 'ENTRYPOINT').map((e) => JSON.parse(e.args))).toEqual([['node', 'dist/src/cli.js']]);
    expect(find(runtime, 'CMD').map((c) => JSON.parse(c.args))).toEqual([['serve']]);
    const pkg = JSON.parse(readFileSync(resolve(ROOT, 'package.json'), 'utf8')) as { bin: Record<string, string> };
    expect(pkg.bin.flightdeck).toBe('dist/src/cli.js');
    expect(find(runtime, 'ENV').map((e) => e.args).join(' ')).not.toMatch(/FLIGHTDECK_ROLE/);
  });

  it('points HOME at /tmp so nothing needs a writable root filesystem', () => {
    expect(find(runtime, 'ENV').map((e) => e.args).join(' ')).toMatch(/HOME=\/tmp/);
  });

  it('copies only files that exist and that the build configuration compiles', () => {
    // tsconfig files are JSON with comments: drop the comment lines before parsing.
    const text = readFileSync(resolve(ROOT, 'tsconfig.build.json'), 'utf8').split('\n').filter((line) => !line.trim().startsWith('//')).join('\n');
    const build = JSON.parse(text) as { include: string[] };
    const copied = stages.flatMap((stage) => find(stage, 'COPY')).filter((copy) => !copy.args.startsWith('--from'));
    const sources = copied.flatMap((copy) => copy.args.split(/\s+/).filter((part) => !part.startsWith('--')).slice(0, -1));
    for (const source of sources) expect(existsSync(resolve(ROOT, source)), source).toBe(true);
    // sandbox/ (the emulators behind `npm start` from a clone) is compiled by the build but kept out of the image.
    for (const folder of build.include.filter((name) => name !== 'sandbox')) expect(sources).toContain(folder);
    expect(sources).not.toContain('sandbox');
  });

  it('keeps tests, local builds and dependencies out of the build context', () => {
    const ignore = readFileSync(resolve(ROOT, '.dockerignore'), 'utf8').split('\n').filter((line) => line && !line.startsWith('#'));
    expect(ignore[0]).toBe('*');
    const allowed = ignore.filter((line) => line.startsWith('!')).map((line) => line.slice(1).replace(/\/$/, ''));
    expect(allowed).not.toContain('node_modules');
    expect(allowed).not.toContain('dist');
    expect(allowed).not.toContain('test');
  });
});
