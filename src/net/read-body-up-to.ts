/** The start of a body as {@link readBodyUpTo} read it. */
export interface BodyStart {
  /** The body's first bytes, at most the bound, as UTF-8 text (invalid sequences read as U+FFFD). */
  text: string;
  /** True when the peer sent more than the bound: `text` is only the start, and the rest was never read. */
  truncated: boolean;
}

/**
 * Reads a response body up to `maxBytes` and no further, so a misbehaving peer (a proxy's error page, an
 * endless stream) cannot make the process buffer any length. Takes a fetch Response's WHATWG stream or
 * undici `request`'s Node Readable alike: leaving the loop early cancels the one and destroys the other, which
 * closes the connection instead of draining it. A null body (HEAD, 204) reads as empty. Rejects as the stream
 * does (a reset, an aborted signal).
 */
export async function readBodyUpTo(body: AsyncIterable<Uint8Array> | null, maxBytes: number): Promise<BodyStart> {
  if (body === null) return { text: '', truncated: false };
  const decoder = new TextDecoder();
  let text = '';
  let size = 0;
  for await (const chunk of body) {
    const room = maxBytes - size;
    if (chunk.length > room) {
      // Not flushed: the bytes of a character cut at the bound stay in the decoder, so the text ends at the last whole one.
      return { text: text + decoder.decode(chunk.subarray(0, room), { stream: true }), truncated: true };
    }
    size += chunk.length;
    text += decoder.decode(chunk, { stream: true });
  }
  return { text: text + decoder.decode(), truncated: false };
}
