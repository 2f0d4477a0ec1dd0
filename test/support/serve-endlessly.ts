import type { ServerResponse } from 'node:http';

/**
 * Answers 200 with `head` and then `chunk` over and over, as fast as the client reads, until the client goes
 * away: a peer whose body never ends. Resolves once the connection is closed, so a test can see the client gave up.
 */
export function serveEndlessly(res: ServerResponse, head: string, chunk: string): Promise<void> {
  const closed = new Promise<void>((resolve) => res.once('close', () => resolve()));
  res.writeHead(200);
  res.write(head);
  const more = (): void => {
    let room = true;
    while (room && !res.destroyed) room = res.write(chunk);
  };
  res.on('drain', more);
  more();
  return closed;
}
