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
} from './slack-driver.js';
export { findButton, listButtons, type ButtonRef } from './find-button.js';
export type {
  Block,
  EphemeralMessage,
  FaultReply,
  KnownUser,
  RecordedCall,
  RecordedResponse,
  ResponseUrlContext,
  SlackEmulator,
  SlackEmulatorOptions,
  StoredMessage,
} from './slack-types.js';
