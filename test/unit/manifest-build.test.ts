import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { deployCommand } from '../../commands/deploy.js';
import { BOT_SCOPES, buildManifest } from '../../src/slack/build-manifest.js';
import { runManifest } from '../../src/slack/run-manifest.js';
import type { CommandDefinition } from '../../commands/command-definition.js';

const commands = [deployCommand as CommandDefinition<unknown>, { name: '/rollback', description: 'Roll back', usage: [], usageHint: '<service>' }];

describe('buildManifest', () => {
  it('declares every command with its description and usage hint, posting to <url>/slack/events', () => {
    const manifest = buildManifest({ commands, url: 'https://deploy.example.com' });
    expect(manifest.features.slash_commands).toEqual([
      { command: '/deploy', description: deployCommand.description, usage_hint: deployCommand.usageHint, url: 'https://deploy.example.com/slack/events', should_escape: false },
      { command: '/rollback', description: 'Roll back', usage_hint: '<service>', url: 'https://deploy.example.com/slack/events', should_escape: false },
    ]);
    expect(manifest.features.app_home).toEqual({ home_tab_enabled: true, messages_tab_enabled: false, messages_tab_read_only_enabled: false });
    expect(manifest.settings).toEqual({
      event_subscriptions: { request_url: 'https://deploy.example.com/slack/events', bot_events: ['app_home_opened'] },
      interactivity: { is_enabled: true, request_url: 'https://deploy.example.com/slack/events' },
      org_deploy_enabled: false,
      socket_mode_enabled: false,
      token_rotation_enabled: false,
    });
    expect(manifest.oauth_config.scopes.bot).toEqual([...BOT_SCOPES]);
  });

  it.each([
    ['https://deploy.example.com/', 'https://deploy.example.com/slack/events'],
    ['https://example.com/flightdeck', 'https://example.com/flightdeck/slack/events'],
    ['https://example.com/slack/events', 'https://example.com/slack/events'],
    ['https://example.com:8443', 'https://example.com:8443/slack/events'],
  ])('turns --url %s into %s', (url, expected) => {
    expect(buildManifest({ commands, url }).settings.interactivity.request_url).toBe(expected);
  });

  it('in Socket Mode has no request URLs', () => {
    const manifest = buildManifest({ commands, socket: true });
    expect(manifest.settings.socket_mode_enabled).toBe(true);
    expect(manifest.settings.interactivity).toEqual({ is_enabled: true });
    expect(manifest.settings.event_subscriptions).toEqual({ bot_events: ['app_home_opened'] });
    expect(manifest.features.slash_commands.every((command) => command.url === undefined)).toBe(true);
  });

  it('needs the scopes flightdeck calls Slack with', () => {
    for (const scope of ['chat:write', 'commands', 'usergroups:read', 'users:read', 'users:read.email', 'im:write']) expect(BOT_SCOPES).toContain(scope);
  });

  it('makes a valid bot display name from the app name', () => {
    expect(buildManifest({ commands, socket: true, name: 'Flight Deck (prod)' }).features.bot_user.display_name).toBe('flight-deck-prod');
  });

  it.each([
    [{ commands }, 'Say how Slack reaches flightdeck'],
    [{ commands, socket: true, url: 'https://x.example.com' }, 'not both'],
    [{ commands, url: 'http://x.example.com' }, 'must be an https:// URL'],
    [{ commands, url: 'deploy.example.com' }, 'is not a URL'],
    [{ commands, url: 'https://x.example.com/?a=1' }, 'no query or fragment'],
    [{ commands, socket: true, name: 'x'.repeat(36) }, 'must be 1 to 35 characters'],
  ])('refuses %j', (options, message) => {
    expect(() => buildManifest(options)).toThrowError(expect.objectContaining({ code: 'usage', message: expect.stringContaining(message) }));
  });

  it('refuses a command definition beyond Slack limits', () => {
    expect(() => buildManifest({ commands: [{ name: '/deploy', description: 'x'.repeat(2001) }], socket: true })).toThrowError(
      expect.objectContaining({ code: 'internal' }),
    );
  });
});

describe('runManifest', () => {
  function run(args: string[]) {
    let stdout = '';
    let stderr = '';
    const code = runManifest(args, commands, { stdout: (text) => (stdout += text), stderr: (text) => (stderr += text) });
    return { code, stdout, stderr };
  }

  it('prints YAML by default and JSON with --json, the same manifest', () => {
    const yaml = run(['--url', 'https://deploy.example.com']);
    const json = run(['--url=https://deploy.example.com', '--json']);
    expect(yaml.code).toBe(0);
    expect(json.code).toBe(0);
    expect(parse(yaml.stdout)).toEqual(JSON.parse(json.stdout));
    expect(yaml.stderr).toBe('');
  });

  it.each([[['--url']], [['--sockets']], [['extra']], [[]], [['--name', '', '--socket']]])('refuses %j with usage and exit code 2', (args) => {
    const result = run(args);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('Usage: flightdeck manifest');
  });
});
