import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const CLI = join(ROOT, 'dist/src/cli.js');

function flightdeck(args: string[], env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH ?? '', ...env }, encoding: 'utf8', timeout: 20_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('flightdeck CLI', () => {
  it('check passes on the shipped example catalog and checklists', () => {
    const result = flightdeck(['check'], { FLIGHTDECK_CONFIG: join(ROOT, 'flightdeck.example.yaml'), FLIGHTDECK_CHECKLISTS: join(ROOT, 'checklists') });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('OK');
  });

  it('check reports every problem with file:line:col and exits non-zero', () => {
    const dir = mkdtempSync(join(tmpdir(), 'flightdeck-cli-'));
    mkdirSync(join(dir, 'checklists'));
    const catalog = join(dir, 'flightdeck.yaml');
    writeFileSync(
      catalog,
      'slack:\n  defaultChannel: C0DEPLOY\nenvironments:\n  production:\n    cluster: prod\n    checklist: missing\nservices:\n  api:\n    namespace: api\n    deployment: api\n    container: api\n    image: registry.example.com/api\n    environments: [production, qa]\n    colour: blue\n',
    );
    const result = flightdeck(['check'], { FLIGHTDECK_CONFIG: catalog });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(new RegExp(`${catalog}:6:\\d+ environments\\.production\\.checklist: `));
    expect(result.stderr).toMatch(/:14:5 services\.api\.colour: unknown key "colour"/);
    expect(result.stderr).toMatch(/services\.api\.environments\[1\]: .*"qa"/);
    expect(result.stderr).toMatch(/\d+ problem\(s\) found/);
  });

  it('serve refuses bad environment with one line per key and the fix, before touching anything', () => {
    const result = flightdeck(['serve'], { PORT: 'abc', FLIGHTDECK_ROLE: 'web' });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('SLACK_BOT_TOKEN:');
    expect(result.stderr).toContain('SLACK_SIGNING_SECRET:');
    expect(result.stderr).toMatch(/PORT: "abc" is not a port number — /);
    expect(result.stderr).not.toContain('    at ');
  });

  it('answers an unknown command with usage', () => {
    const result = flightdeck(['deploy-everything']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('Unknown command "deploy-everything"');
    expect(result.stderr).toContain('check [file...]');
  });
});
