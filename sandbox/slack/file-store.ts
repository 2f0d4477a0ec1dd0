import { randomBytes } from 'node:crypto';
import { slackId } from './slack-ids.js';

/** A file shared with `files.completeUploadExternal`: where it went and the bytes that were uploaded. */
export interface UploadedFile {
  id: string;
  name: string;
  title: string;
  /** The bytes POSTed to the upload URL, exactly. */
  content: Buffer;
  /** The uploader (the bot user). */
  user: string;
  /** Unset when completed without a channel: the file exists but is shared nowhere. */
  channel?: string;
  threadTs?: string;
  initialComment?: string;
  /** When it was completed, epoch ms. */
  at: number;
}

interface PendingFile {
  id: string;
  name: string;
  length: number;
  content?: Buffer;
}

/**
 * Files of the `files.uploadV2` flow: `files.getUploadURLExternal` reserves an id and an upload URL, the
 * bytes are POSTed to that URL, `files.completeUploadExternal` shares the file. A file is completed once;
 * one whose bytes never arrived cannot be.
 */
export class FileStore {
  private readonly pending = new Map<string, PendingFile>();
  private readonly byTicket = new Map<string, string>();
  readonly completed: UploadedFile[] = [];

  /** Reserves a file; returns its id and the path of its upload URL (under the emulator's base URL). */
  reserve(name: string, length: number): { id: string; path: string } {
    const id = slackId('F0');
    const ticket = randomBytes(12).toString('hex');
    this.pending.set(id, { id, name, length });
    this.byTicket.set(ticket, id);
    return { id, path: `upload/v1/${ticket}` };
  }

  /** Takes the bytes POSTed to an upload URL; false when the URL is unknown or its file already completed. */
  receive(ticket: string, content: Buffer): boolean {
    const id = this.byTicket.get(ticket);
    const file = id === undefined ? undefined : this.pending.get(id);
    if (!file) return false;
    file.content = content;
    return true;
  }

  /** A reserved file whose bytes arrived and that is not completed yet. */
  uploaded(id: string): (PendingFile & { content: Buffer }) | undefined {
    const file = this.pending.get(id);
    return file?.content ? { ...file, content: file.content } : undefined;
  }

  complete(file: Omit<UploadedFile, 'name' | 'content'>): UploadedFile {
    const uploaded = this.uploaded(file.id);
    if (!uploaded) throw new Error(`FileStore.complete: file ${file.id} has no bytes`);
    this.pending.delete(file.id);
    for (const [ticket, id] of this.byTicket) if (id === file.id) this.byTicket.delete(ticket);
    const done: UploadedFile = { ...file, name: uploaded.name, content: uploaded.content };
    this.completed.push(done);
    return done;
  }
}
