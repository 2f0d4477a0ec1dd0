import { stringify } from 'yaml';
import { FlightdeckError } from '../errors/flightdeck-error.js';
import { buildManifest, type ManifestOptions } from './build-manifest.js';

export const MANIFEST_USAGE = 'Usage: flightdeck manifest (--url https://<host> | --socket) [--name <app name>] [--json]';

export interface ManifestIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

function parseArgs(args: readonly string[]): { url?: string; socket: boolean; name?: string; json: boolean } {
  const parsed: { url?: string; socket: boolean; name?: string; json: boolean } = { socket: false, json: false };
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i]!;
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    if (flag === '--socket' && inline === undefined) parsed.socket = true;
    else if (flag === '--json' && inline === undefined) parsed.json = true;
    else if (flag === '--url' || flag === '--name') {
      const value = inline ?? args[++i];
      if (value === undefined || value === '') throw new FlightdeckError('usage', `${flag} needs a value\n${MANIFEST_USAGE}`);
      parsed[flag === '--url' ? 'url' : 'name'] = value;
    } else throw new FlightdeckError('usage', `unknown argument "${arg}"\n${MANIFEST_USAGE}`);
  }
  return parsed;
}

/**
 * `flightdeck manifest`: prints the Slack app manifest (YAML, or JSON with `--json`) for the given slash
 * commands on stdout. Returns the exit code: 0, or 2 with the problem and usage on stderr.
 */
export function runManifest(args: readonly string[], commands: ManifestOptions['commands'], io: ManifestIo): number {
  try {
    const options = parseArgs(args);
    const manifest = buildManifest({ commands, url: options.url, socket: options.socket, name: options.name });
    io.stdout(options.json ? `${JSON.stringify(manifest, null, 2)}\n` : stringify(manifest, { lineWidth: 0 }));
    return 0;
  } catch (err) {
    if (!(err instanceof FlightdeckError)) throw err;
    io.stderr(`${err.message}${err.message.includes(MANIFEST_USAGE) ? '' : `\n${MANIFEST_USAGE}`}\n`);
    return 2;
  }
}
