import { err, invalidArguments, str, type Handler, type MethodReply } from './method-context.js';
import { parseBlocks } from './validate-blocks.js';

/** What Slack's upload URLs take at most (1 GB); anything larger is refused up front. */
const MAX_FILE_BYTES = 1024 * 1024 * 1024;

interface FileRef {
  id: string;
  title?: string;
}

/**
 * The `files.uploadV2` flow as the Web API answers it: `files.getUploadURLExternal` (filename and a
 * byte length required) reserves a file and hands out its upload URL; `files.completeUploadExternal`
 * shares uploaded files in a channel or a thread. Both need `files:write` (method-scopes.ts). A share in a
 * channel is a message of its own (a thread reply with `thread_ts`) that lists the files, with
 * `initial_comment` as its text, or else `blocks` (held to chat.postMessage's Block Kit rules), as Slack
 * documents: blocks are ignored when an initial comment is given.
 */
export const fileMethods: Readonly<Record<string, Handler>> = {
  'files.getUploadURLExternal': (ctx, args) => {
    const problems: string[] = [];
    const filename = str(args.filename);
    if (!filename) problems.push('[ERROR] missing required field: filename');
    const lengthText = str(args.length);
    const length = Number(lengthText);
    if (lengthText === undefined || lengthText === '') problems.push('[ERROR] missing required field: length');
    else if (!/^\d+$/.test(lengthText) || length < 1 || length > MAX_FILE_BYTES) problems.push('[ERROR] invalid value for field: length');
    if (problems.length > 0 || !filename) return invalidArguments(problems);
    const { id, path } = ctx.files.reserve(filename, length);
    return { ok: true, upload_url: `${ctx.baseUrl}${path}`, file_id: id };
  },

  'files.completeUploadExternal': (ctx, args) => {
    const refs = readFileRefs(args.files);
    if ('error' in refs) return refs.error;
    const channel = str(args.channel_id) ?? str(args.channels);
    const threadTs = str(args.thread_ts);
    if (threadTs !== undefined && channel === undefined) return invalidArguments(['[ERROR] thread_ts requires channel_id']);
    const comment = str(args.initial_comment);
    const blocks = comment === undefined ? parseBlocks(args.blocks) : { ok: true as const, blocks: undefined };
    if (!blocks.ok) return err(blocks.error, { response_metadata: { messages: blocks.messages } });
    if (channel !== undefined) {
      if (!ctx.store.hasChannel(channel)) return err('channel_not_found');
      if (!ctx.isMember(channel)) return err('not_in_channel');
      if (threadTs !== undefined && !ctx.store.find(channel, threadTs)) return err('thread_not_found');
    }
    // Every file is checked before any is shared: one missing file shares none.
    for (const ref of refs.files) if (!ctx.files.uploaded(ref.id)) return err('file_not_found');
    const files = refs.files.map((ref) => {
      const uploaded = ctx.files.uploaded(ref.id)!;
      const done = ctx.files.complete({
        id: ref.id,
        title: ref.title ?? uploaded.name,
        user: ctx.botUserId,
        ...(channel !== undefined ? { channel } : {}),
        ...(threadTs !== undefined ? { threadTs } : {}),
        ...(comment !== undefined ? { initialComment: comment } : {}),
        at: ctx.now(),
      });
      return {
        id: done.id,
        name: done.name,
        title: done.title,
        user: done.user,
        size: done.content.length,
        created: Math.floor(done.at / 1000),
        channels: channel !== undefined ? [channel] : [],
        permalink: `https://${ctx.teamDomain}.slack.com/files/${done.user}/${done.id}/${encodeURIComponent(done.name)}`,
      };
    });
    if (channel !== undefined) {
      const shared = files.map((file) => ({ id: file.id, name: file.name, title: file.title }));
      ctx.store.post(channel, { text: comment ?? '', blocks: blocks.blocks ?? [], user: ctx.botUserId, botId: ctx.botId, files: shared, ...(threadTs !== undefined ? { threadTs } : {}) });
    }
    return { ok: true, files };
  },
};

/** `files` as sent: a JSON string in form bodies (how @slack/web-api sends arrays), an array in JSON ones. */
function readFileRefs(value: unknown): { files: FileRef[] } | { error: MethodReply } {
  if (value === undefined || value === '') return { error: invalidArguments(['[ERROR] missing required field: files']) };
  let parsed: unknown = value;
  if (typeof parsed === 'string') {
    try {
      parsed = JSON.parse(parsed) as unknown;
    } catch {
      return { error: invalidArguments(['[ERROR] invalid value for field: files']) };
    }
  }
  if (!Array.isArray(parsed) || parsed.length === 0) return { error: invalidArguments(['[ERROR] invalid value for field: files']) };
  const files: FileRef[] = [];
  for (const entry of parsed as unknown[]) {
    const candidate = entry as { id?: unknown; title?: unknown } | null;
    if (typeof candidate !== 'object' || candidate === null || typeof candidate.id !== 'string' || candidate.id === '') {
      return { error: invalidArguments(['[ERROR] invalid value for field: files']) };
    }
    files.push({ id: candidate.id, ...(typeof candidate.title === 'string' ? { title: candidate.title } : {}) });
  }
  return { files };
}
