export {
  startPagerDutyEmulator,
  type FailNextOptions,
  type FaultStatus,
  type PagerDutyEmulator,
  type PagerDutyEmulatorOptions,
  type RecordedRestRequest,
} from './start-pagerduty-emulator.js';
export type { Incident, IncidentStatus, LoggedEvent } from './event-store.js';
export type { PagerDutyUser } from './rest-api.js';
