import { connect } from 'node:net';
import { measureWithDeadline } from './measure-with-deadline.js';
import type { ProbeProvider } from './probe-provider.js';
import type { TcpProbeSpec } from './probe-types.js';

/**
 * Opens a TCP connection and closes it at once. The value is the connect time in ms. A refused, reset
 * or timed-out connection is outcome `error` (nothing could be measured), like every other provider.
 */
export const tcpProbe: ProbeProvider<TcpProbeSpec> = {
  type: 'tcp',
  measure(spec, ctx) {
    const target = `tcp ${spec.host}:${spec.port}`;
    return measureWithDeadline(ctx, target, (signal) => {
      const started = ctx.now();
      return new Promise((resolve, reject) => {
        const socket = connect({ host: spec.host, port: spec.port, signal });
        socket.once('connect', () => {
          const ms = Math.max(0, Math.round(ctx.now() - started));
          socket.destroy();
          resolve({ outcome: 'successful', value: ms, message: `${target} accepted a connection in ${ms} ms` });
        });
        socket.once('error', (err) => {
          socket.destroy();
          reject(err);
        });
      });
    });
  },
};
