import type { CommandDefinition } from '../../commands/command-definition.js';
import { FlightdeckError } from '../errors/flightdeck-error.js';

/**
 * Bot scopes flightdeck uses, each for a reason (test/unit/manifest-scopes.test.ts maps every Web API call
 * in the code to its scopes and fails on one missing or unused): receive slash commands; post and edit run
 * messages, alerts and DMs; resolve roles given as user groups; find the on-call by email (Slack grants
 * `users:read.email` only together with `users:read`) and open a DM with them; read public and private
 * channel history to find a run message whose post was answered too late to record, so a retry edits it
 * instead of posting a second one. That search needs the bot to be a member of the channel, so flightdeck
 * does not ask for `chat:write.public`: a channel it was not invited to fails the first post, not a retry.
 * Upload the deployment log of an ended run as a file in its thread (`files:write`); name the people in it
 * (`users:read`).
 */
export const BOT_SCOPES = [
  'commands',
  'chat:write',
  'usergroups:read',
  'users:read',
  'users:read.email',
  'im:write',
  'channels:history',
  'groups:history',
  'files:write',
] as const;

export interface ManifestOptions {
  /** The slash commands to declare (name, description, usage hint). */
  commands: readonly Pick<CommandDefinition<unknown>, 'name' | 'description' | 'usageHint'>[];
  /**
   * HTTP mode: the public `https://` base URL flightdeck is reached at; slash commands and interactivity
   * post to `<url>/slack/events`. Exactly one of `url` and `socket`.
   */
  url?: string | undefined;
  /** Socket Mode: no request URLs; Slack delivers over the app-level token's WebSocket. */
  socket?: boolean | undefined;
  /** App and bot name shown in Slack. Default `flightdeck`. */
  name?: string | undefined;
}

/** The subset of Slack's app manifest (https://docs.slack.dev/reference/app-manifest) flightdeck fills. */
export interface SlackManifest {
  display_information: { name: string; description: string };
  features: {
    app_home: { home_tab_enabled: boolean; messages_tab_enabled: boolean; messages_tab_read_only_enabled: boolean };
    bot_user: { display_name: string; always_online: boolean };
    slash_commands: { command: string; description: string; usage_hint?: string; url?: string; should_escape: boolean }[];
  };
  oauth_config: { scopes: { bot: string[] } };
  settings: {
    event_subscriptions: { request_url?: string; bot_events: string[] };
    interactivity: { is_enabled: true; request_url?: string };
    org_deploy_enabled: boolean;
    socket_mode_enabled: boolean;
    token_rotation_enabled: boolean;
  };
}

/** The events flightdeck subscribes to: opening its Home tab (needs no scope). */
export const BOT_EVENTS = ['app_home_opened'] as const;

// Slack's documented maximum lengths for these manifest fields.
const LIMITS = { name: 35, command: 32, description: 2000, usageHint: 1000 } as const;

/**
 * Builds a Slack app manifest installing flightdeck in one paste: its slash commands (from the command
 * definitions), bot scopes, and either request URLs or Socket Mode. Pure.
 *
 * @throws FlightdeckError `usage` when both or neither of `url` and `socket` are given, the URL is not an
 *   `https://` URL, or the name is longer than Slack allows; `internal` when a command definition breaks
 *   Slack's limits.
 */
export function buildManifest(options: ManifestOptions): SlackManifest {
  if (options.url !== undefined && options.socket) {
    throw new FlightdeckError('usage', 'Give either --url (HTTP) or --socket (Socket Mode), not both.');
  }
  if (options.url === undefined && !options.socket) {
    throw new FlightdeckError('usage', 'Say how Slack reaches flightdeck: --url https://<host> (HTTP) or --socket (Socket Mode).');
  }
  const requestUrl = options.url === undefined ? undefined : eventsUrl(options.url);
  const name = options.name ?? 'flightdeck';
  if (name.length === 0 || name.length > LIMITS.name) {
    throw new FlightdeckError('usage', `The app name must be 1 to ${LIMITS.name} characters; "${name}" has ${name.length}.`);
  }
  return {
    display_information: { name, description: 'Deployment checklists, sign-offs and Kubernetes rollouts from Slack' },
    features: {
      // The Home tab shows each person their runs, sign-offs, locks and the four keys (app_home_opened).
      app_home: { home_tab_enabled: true, messages_tab_enabled: false, messages_tab_read_only_enabled: false },
      bot_user: { display_name: botDisplayName(name), always_online: true },
      slash_commands: options.commands.map((command) => {
        checkLength(command.name, LIMITS.command, `${command.name}: the command`);
        checkLength(command.description, LIMITS.description, `${command.name}: the description`);
        if (command.usageHint !== undefined) checkLength(command.usageHint, LIMITS.usageHint, `${command.name}: the usage hint`);
        return {
          command: command.name,
          description: command.description,
          ...(command.usageHint ? { usage_hint: command.usageHint } : {}),
          ...(requestUrl ? { url: requestUrl } : {}),
          // User and channel references arrive as <@U…>/<#C…> IDs; the parsers read plain names only.
          should_escape: false,
        };
      }),
    },
    oauth_config: { scopes: { bot: [...BOT_SCOPES] } },
    settings: {
      event_subscriptions: { ...(requestUrl ? { request_url: requestUrl } : {}), bot_events: [...BOT_EVENTS] },
      interactivity: { is_enabled: true, ...(requestUrl ? { request_url: requestUrl } : {}) },
      org_deploy_enabled: false,
      socket_mode_enabled: options.socket === true,
      token_rotation_enabled: false,
    },
  };
}

/** `<url>/slack/events`, where Bolt's HTTP receiver listens; a URL already ending there is kept. */
function eventsUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new FlightdeckError('usage', `--url "${raw}" is not a URL: write it like https://flightdeck.example.com`);
  }
  if (url.protocol !== 'https:') {
    throw new FlightdeckError('usage', `--url "${raw}" must be an https:// URL: Slack only sends requests over HTTPS.`);
  }
  if (url.search || url.hash) throw new FlightdeckError('usage', `--url "${raw}" must have no query or fragment.`);
  const path = url.pathname.replace(/\/+$/, '');
  url.pathname = path.endsWith('/slack/events') ? path : `${path}/slack/events`;
  return url.toString();
}

/** Slack allows only `a-z`, `0-9`, `-`, `_` and `.` in a bot's display name. */
function botDisplayName(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '') || 'flightdeck';
}

function checkLength(value: string, max: number, what: string): void {
  if (value.length > max) throw new FlightdeckError('internal', `${what} is ${value.length} characters; Slack allows ${max}.`);
}
