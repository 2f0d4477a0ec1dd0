import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PagerDutyEmulator } from '../../sandbox/pagerduty/index.js';

/**
 * The environment that points a flightdeck process at the PagerDuty emulator: its Events and REST APIs, the
 * routing key the catalogs' `routingKeyEnv: PD_ROUTING_KEY` names, and the emulator's CA (written to a file,
 * as an install mounts it), so paging and on-call lookups go over TLS as they do for real.
 */
export function pagerDutyEnv(pagerduty: PagerDutyEmulator): Record<string, string> {
  const caFile = join(mkdtempSync(join(tmpdir(), 'flightdeck-pagerduty-')), 'ca.pem');
  writeFileSync(caFile, pagerduty.ca);
  return {
    PD_ROUTING_KEY: pagerduty.routingKey,
    PAGERDUTY_EVENTS_SERVER: pagerduty.eventsServer,
    PAGERDUTY_API_URL: pagerduty.apiUrl,
    PAGERDUTY_API_TOKEN: pagerduty.apiToken,
    PAGERDUTY_CA_FILE: caFile,
  };
}
