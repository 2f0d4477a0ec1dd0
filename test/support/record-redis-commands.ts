import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';

/** What one connection sent to Redis while recorded: each command with its arguments, in order. */
export interface RedisRecording {
  /** Stops recording once every command the connection sent so far has been seen, and returns them. */
  stop(): Promise<string[][]>;
}

/**
 * Records the commands `client` sends (not those its scripts run), through a MONITOR connection duplicated
 * from it: other clients of the shared Redis are filtered out by their address. The recording ends at a
 * marker the client itself sends, so nothing sent before `stop` is missed.
 */
export async function recordRedisCommands(client: Redis): Promise<RedisRecording> {
  const [address] = /addr=(\S+)/.exec(String(await client.call('CLIENT', 'INFO'))) ?? [];
  const source = address?.slice('addr='.length);
  if (!source) throw new Error('CLIENT INFO named no address');
  const monitor = await client.duplicate().monitor();
  const commands: string[][] = [];
  let onMarker: (() => void) | undefined;
  let marker = '';
  monitor.on('monitor', (_time: string, args: string[], from: string) => {
    if (from !== source) return;
    if (args[0]?.toLowerCase() === 'echo' && args[1] === marker) onMarker?.();
    else commands.push(args);
  });
  return {
    async stop() {
      marker = `recording-end-${randomUUID()}`;
      const seen = new Promise<void>((resolve) => (onMarker = resolve));
      await client.echo(marker);
      await seen;
      monitor.disconnect();
      return commands;
    },
  };
}
