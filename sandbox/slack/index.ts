export { startSlackEmulator } from './slack-emulator.js';
export {
  SlackDriver,
  signSlackRequest,
  type BlockActionInput,
  type ClickButtonInput,
  type DriverResponse,
  type SendOptions,
  type SlackDriverOptions,
  type SlackSignatureHeaders,
  type SlashCommandInput,
  type ViewSubmissionInput,
} from './slack-driver.js';
export { findButton, listButtons, type ButtonRef } from './find-button.js';
export type { RateLimitRule } from './rate-limiter.js';
export type { DeliverOptions, SocketAck, SocketEnvelope, SocketEnvelopeType, SocketModeControl } from './socket-mode-server.js';
export type { StoredView, ViewAckRecord } from './view-store.js';
export type { ViewStateValues, ViewValueInput, ViewValuesInput } from './view-state.js';
export type {
  Block,
  EphemeralMessage,
  FaultReply,
  KnownUser,
  MessageMetadata,
  RecordedCall,
  RecordedResponse,
  ResponseFault,
  ResponseUrlContext,
  SlackEmulator,
  SlackEmulatorOptions,
  StoredMessage,
  UploadedFile,
} from './slack-types.js';
