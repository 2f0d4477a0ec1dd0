import type { ChannelTally } from './tally-channels.js';
import type { CallTally } from './tally-calls.js';

/** What the emulator process is started with (its first IPC message). */
export interface EmulatorWorld {
  /** Deployments seeded, one per service `svc-00001` …, all in one cluster. */
  services: number;
  /** Channel ids the Slack emulator knows; `chat.postMessage`, `chat.update` and `files.completeUploadExternal` are limited to 1 per second in each. */
  channels: string[];
  readyDelayMs: number;
  /** The Kubernetes emulator's controller resync period. */
  tickMs: number;
  replicas: number;
}

/** The emulators' addresses, once both listen. */
export interface EmulatorAddresses {
  slackApiUrl: string;
  botToken: string;
  /** A kubeconfig whose context `emulator` is the Kubernetes emulator. */
  kubeconfigPath: string;
}

/** What the /deploy driver needs to send a slash command as Slack would, without the emulator in its process. */
export interface SlashCommandContext {
  teamId: string;
  teamDomain: string;
  appId: string;
  userId: string;
  userName: string;
  /** One response URL and trigger id per /deploy, issued by the emulator. */
  issued: { responseUrl: string; triggerId: string }[];
}

/** Run messages that show an outcome, and run threads that are complete (the deployment log, the last reply, is in them). */
export interface SlackProgress {
  messages: number;
  threads: number;
}

/** Every call tally of the window, counted where the records are. */
export interface EmulatorTallies {
  kubernetes: CallTally;
  /** TCP connections flightdeck opened to the Kubernetes emulator. */
  kubernetesConnections: number;
  slack: CallTally & { rateLimited: number; writesPerRun: number };
  slackChannels: ChannelTally;
  /** Top-level messages in the run channels. */
  messagesPosted: number;
}

/** Requests the bench sends; each is answered once with the same `id`. */
export type EmulatorRequest =
  | { id: number; kind: 'slash-command-context'; count: number }
  /** From now on the tallies count; `t0` is the bench's clock at the first /deploy. */
  | { id: number; kind: 'mark'; t0: number }
  /** How far the runs' Slack output is: answered with {@link SlackProgress}. */
  | { id: number; kind: 'progress' }
  | { id: number; kind: 'tallies'; runs: number; windowMs: number; slackCallLog?: string }
  | { id: number; kind: 'message-lag'; redisUrl: string; prefix: string; boundMs: number };

export type EmulatorAnswer = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: string };

/** What the process sends unasked: its addresses once listening, or why it could not start. */
export type EmulatorStarted = { kind: 'started'; addresses: EmulatorAddresses } | { kind: 'failed'; error: string };
