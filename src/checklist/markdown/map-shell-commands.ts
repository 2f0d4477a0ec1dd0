import type { CodeBlock } from './scan-markdown-blocks.js';

/** One command of a shell code block, continuation lines joined, with the comment written above it. */
export interface ShellCommand {
  line: number;
  text: string;
  /** The nearest `# …` comment above it in the block, numbering ("1.") removed; often the step's name. */
  comment: string | undefined;
}

/** What a command becomes in a checklist; `manual` keeps the command for a person to run. */
export type MappedCommand =
  | { kind: 'wait-rollout'; command: string }
  | { kind: 'deploy'; command: string }
  | { kind: 'http-check'; command: string; url: string }
  | { kind: 'job'; command: string; purpose: 'backup' | 'migration' | 'restore' }
  | { kind: 'rollback'; command: string }
  | { kind: 'manual'; command: string };

/** Info strings of blocks that hold commands; a block without one holds commands when its lines look like them. */
const SHELL_LANGUAGES = new Set(['bash', 'sh', 'shell', 'zsh', 'console', 'shell-session', 'terminal', 'cmd', 'powershell', 'ps1']);
const NOT_COMMANDS = /^(?:ya?ml|json|jsonc?|toml|ini|xml|html|sql|python|py|js|javascript|ts|typescript|go|rust|java|text|txt|markdown|md|diff|hcl|terraform|dockerfile|promql|log|output)$/i;
/** First words that make a line in an unlabelled block a command. */
const COMMAND_WORDS =
  /^(?:sudo\s+)?(?:kubectl|helm|docker|podman|curl|wget|git|npm|npx|yarn|pnpm|pip|pip3|python3?|pytest|make|systemctl|service|psql|pg_dump|pg_restore|pg_isready|mysql|mysqldump|mongodump|mongorestore|alembic|flask|rails|rake|bundle|terraform|aws|gcloud|az|ssh|scp|cd|export|redis-cli|go|cargo|java|mvn|gradle|flyway|liquibase|argocd|istioctl)\b/;

/** `kubectl rollout status deploy/x` — what a wait-rollout step does. */
const ROLLOUT_STATUS = /^kubectl\b.*\brollout\s+status\b/;
/** Commands that put a new version in place: flightdeck's set-image (and wait-rollout) do that. */
const DEPLOY =
  /^(?:kubectl\b.*\b(?:set\s+image|apply\b.*deploy)|helm\s+(?:upgrade|install)\b|docker\s+run\b|podman\s+run\b|(?:sudo\s+)?(?:systemctl|service)\s+(?:start|restart)\b|(?:sudo\s+)?service\s+\S+\s+(?:start|restart)\b)/;
/** Undoing a release: flightdeck's own rollback run does it. */
const ROLLBACK = /^kubectl\b.*\brollout\s+undo\b|^helm\s+rollback\b/;
const BACKUP = /^(?:pg_dump|pg_dumpall|mysqldump|mongodump)\b/;
const RESTORE = /^(?:pg_restore|mongorestore)\b|^(?:psql|mysql)\b[^<]*<\s*\S*(?:backup|dump)\S*/i;
const MIGRATION =
  /^(?:alembic\s+(?:upgrade|downgrade)|flask\s+db\s+(?:upgrade|downgrade)|python3?\s+manage\.py\s+migrate|(?:bundle\s+exec\s+)?(?:rails|rake)\s+db:(?:migrate|rollback)|npx\s+prisma\s+migrate\s+deploy|(?:npx\s+)?knex\s+migrate:(?:latest|rollback)|(?:npx\s+)?sequelize(?:-cli)?\s+db:migrate|flyway\s+migrate|liquibase\s+update)\b/;
const CURL = /^curl\s/;
/** Options that make a curl call send something; only plain GETs become health checks. */
const CURL_SENDS = /\s(?:-X\s*(?!GET\b)\S+|--request\s+(?!GET\b)\S+|-d\b|--data\S*|-F\b|--form\b|-T\b|--upload-file\b)/;
const HEALTH_PATH = /\/(?:health|healthz|livez|readyz|ready|status|ping|alive)\b/i;
const LOCAL_HOST = /^(?:localhost|127\.\d+\.\d+\.\d+|0\.0\.0\.0|\[::1\])$/i;

/** Whether a code block holds shell commands rather than a file's content or a program's output. */
export function holdsCommands(block: CodeBlock): boolean {
  if (SHELL_LANGUAGES.has(block.language.toLowerCase())) return true;
  if (block.language !== '' && NOT_COMMANDS.test(block.language)) return false;
  const lines = block.lines.map((line) => line.trim()).filter((line) => line !== '' && !line.startsWith('#'));
  return lines.length > 0 && lines.every((line) => COMMAND_WORDS.test(line.replace(/^\$\s+/, '')));
}

/** The commands of a shell block: comments are kept as the name of what follows, `\` continuations joined, `$ ` prompts dropped. */
export function shellCommands(block: CodeBlock): ShellCommand[] {
  const commands: ShellCommand[] = [];
  let comment: string | undefined;
  let pending: ShellCommand | undefined;
  block.lines.forEach((raw, index) => {
    const line = raw.trim();
    const lineNumber = block.line + 1 + index;
    if (pending) {
      pending.text = `${pending.text} ${line.replace(/\\$/, '').trim()}`.trim();
      if (!line.endsWith('\\')) pending = undefined;
      return;
    }
    if (line === '') {
      comment = undefined;
      return;
    }
    if (line.startsWith('#')) {
      const words = line
        .replace(/^#+\s*/, '')
        .replace(/^\d{1,2}[.)]\s*/, '')
        .trim();
      // "# Expected: 200 OK" describes the command above it, not the next one; "# or" only joins two alternatives.
      if (words && !/^(?:expected|output|returns?|should)\b/i.test(words) && !/^(?:or|and|then|else|optional(?:ly)?)[:.]?$/i.test(words)) comment = words;
      return;
    }
    // Output pasted into the block ("* [ ] …", "{", "NAME READY"), not something to run: a command starts with a program's name or path.
    if (!/^(?:\$\s+)?[A-Za-z0-9_.~/]/.test(line)) return;
    const command: ShellCommand = { line: lineNumber, text: line.replace(/^\$\s+/, '').replace(/\\$/, '').trim(), comment };
    commands.push(command);
    if (line.endsWith('\\')) pending = command;
  });
  return commands;
}

/** The URL a plain `curl … URL` fetches, when it is an absolute http(s) URL without shell expansions. */
function curlUrl(command: string): string | undefined {
  const url = command
    .split(/\s+/)
    .map((word) => word.replace(/^["']|["']$/g, ''))
    .find((word) => /^https?:\/\//i.test(word));
  if (!url || /[$`]/.test(url)) return undefined;
  try {
    const parsed = new URL(url);
    return LOCAL_HOST.test(parsed.hostname) ? undefined : parsed.toString();
  } catch {
    return undefined;
  }
}

/** What a command maps to; anything not recognised stays `manual`. */
export function mapShellCommand(text: string): MappedCommand {
  const command = text.replace(/^sudo\s+/, '');
  if (ROLLOUT_STATUS.test(command)) return { kind: 'wait-rollout', command: text };
  if (ROLLBACK.test(command)) return { kind: 'rollback', command: text };
  if (DEPLOY.test(command)) return { kind: 'deploy', command: text };
  if (BACKUP.test(command)) return { kind: 'job', command: text, purpose: 'backup' };
  if (RESTORE.test(command)) return { kind: 'job', command: text, purpose: 'restore' };
  if (MIGRATION.test(command)) return { kind: 'job', command: text, purpose: 'migration' };
  if (CURL.test(command) && !CURL_SENDS.test(` ${command}`)) {
    const url = curlUrl(command);
    if (url && HEALTH_PATH.test(new URL(url).pathname)) return { kind: 'http-check', command: text, url };
  }
  return { kind: 'manual', command: text };
}
