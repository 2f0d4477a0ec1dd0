import { randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import type { Redis } from 'ioredis';

/** What one connection sent to Redis while recorded: each command with its arguments, in order. */
export interface RedisRecording {
  /** Stops recording once every command the connection sent so far has been seen, and returns them. */
  stop(): Promise<string[][]>;
}

export interface RecordOptions {
  /**
   * The client addresses (`ip:port`, as CLIENT LIST names them) whose commands are recorded; default `client`'s
   * own. With others (another process's connections), `client` only marks the end: whatever they sent before
   * `stop` was called is in the recording.
   */
  from?: ReadonlySet<string>;
  /** Also record the commands the recorded clients' scripts run, each right after its EVALSHA, as `['lua', …]`. */
  scripts?: boolean;
}

/**
 * Records the commands `client` sends (and those its scripts run, with `scripts`) with MONITOR on a socket of its own, read
 * line by line (ioredis's own monitor mode loses track of its replies on a busy shared Redis). Other clients
 * are filtered out by their address; the recording ends at a marker the client itself sends, so nothing sent
 * before `stop` is missed.
 */
export async function recordRedisCommands(client: Redis, options: RecordOptions = {}): Promise<RedisRecording> {
  const source = /addr=(\S+)/.exec(String(await client.call('CLIENT', 'INFO')))?.[1];
  if (!source) throw new Error('CLIENT INFO named no address');
  const recorded = options.from ?? new Set([source]);
  const { host, port } = client.options;
  const socket = connect({ host: host ?? '127.0.0.1', port: port ?? 6379 });
  const commands: string[][] = [];
  let marker = '';
  let onMarker: (() => void) | undefined;
  let pending = '';
  // A script runs whole, so the commands MONITOR shows from `lua` belong to the command just before them.
  let lastRecorded = false;
  const ready = new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.on('data', (chunk: Buffer) => {
      pending += chunk.toString('latin1');
      let end = pending.indexOf('\r\n');
      while (end >= 0) {
        const line = pending.slice(0, end);
        pending = pending.slice(end + 2);
        if (line === '+OK') resolve();
        const from = /^\+\d+\.\d+ \[\d+ (\S+)\] /.exec(line);
        const args = () => [...line.slice(from![0].length).matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => unquote(m[1] ?? ''));
        if (from?.[1] === 'lua') {
          if (options.scripts && lastRecorded) commands.push(['lua', ...args()]);
        } else {
          lastRecorded = false;
          if (from?.[1] === source || recorded.has(from?.[1] ?? '')) {
            const sent = args();
            if (from![1] === source && sent[0]?.toLowerCase() === 'echo' && sent[1] === marker) onMarker?.();
            else if (recorded.has(from![1]!)) {
              commands.push(sent);
              lastRecorded = true;
            }
          }
        }
        end = pending.indexOf('\r\n');
      }
    });
  });
  socket.write('MONITOR\r\n');
  await ready;
  return {
    async stop() {
      marker = `recording-end-${randomUUID()}`;
      const seen = new Promise<void>((resolve) => (onMarker = resolve));
      await client.echo(marker);
      await seen;
      socket.destroy();
      return commands;
    },
  };
}

/** Undoes the quoting MONITOR applies to each argument (sdscatrepr). */
function unquote(text: string): string {
  const named: Record<string, string> = { n: '\n', r: '\r', t: '\t', a: '\x07', b: '\b', '"': '"', '\\': '\\' };
  return text.replace(/\\(x[0-9a-f]{2}|.)/g, (_, code: string) => (code.length === 3 ? String.fromCharCode(Number.parseInt(code.slice(1), 16)) : (named[code] ?? code)));
}
