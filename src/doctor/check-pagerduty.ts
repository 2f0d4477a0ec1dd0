import { readFileSync } from 'node:fs';
import type { Catalog } from '../config/catalog-schema.js';
import type { Env } from '../config/load-env.js';
import { type DoctorResult, degraded, messageOf, ok } from './doctor-result.js';
import { createPagerDutyClient } from '../pagerduty/create-pagerduty-client.js';

/**
 * PagerDuty as each service will use it: its routing key variable is set (a guard's `page` reaches on-call)
 * and, for a service naming an escalation policy, the REST token finds who is on call there (the DM). Every
 * problem is `degraded`, never `failed`: deploys work without paging. No event is sent, since the Events
 * API cannot be asked whether a key is valid without opening an incident. Never rejects.
 */
export async function checkPagerDuty(env: Env, catalog: Catalog, processEnv: Record<string, string | undefined>, timeoutMs: number): Promise<DoctorResult[]> {
  const results: DoctorResult[] = [];
  const services = Object.entries(catalog.services);
  const unpaged = services.filter(([, s]) => !s.pagerduty).map(([name]) => name);
  if (unpaged.length > 0) {
    results.push(degraded('pagerduty', `never paged (no pagerduty settings): ${unpaged.join(', ')}`, 'add pagerduty.routingKeyEnv to a service that should page on-call when a guard breaches'));
  }
  const policies = new Set<string>();
  for (const [name, service] of services) {
    if (!service.pagerduty) continue;
    const variable = service.pagerduty.routingKeyEnv;
    if (!processEnv[variable]?.trim()) {
      results.push(degraded(`pagerduty ${name}`, `${variable} is not set, so ${name} is never paged`, `set ${variable} to the service's PagerDuty Events API v2 integration key`));
    } else {
      results.push(ok(`pagerduty ${name}`, `routing key in ${variable}`));
    }
    if (service.pagerduty.escalationPolicy) policies.add(service.pagerduty.escalationPolicy);
  }
  if (policies.size === 0) return results;
  if (!env.pagerdutyApiToken) {
    results.push(degraded('pagerduty on-call', `PAGERDUTY_API_TOKEN is not set, so nobody on call for ${[...policies].join(', ')} is sent a DM`, 'set PAGERDUTY_API_TOKEN to a PagerDuty REST API key with read access'));
    return results;
  }
  let ca: string | undefined;
  try {
    ca = env.pagerdutyCaFile === undefined ? undefined : readFileSync(env.pagerdutyCaFile, 'utf8');
  } catch (err) {
    results.push(degraded('pagerduty on-call', `PAGERDUTY_CA_FILE: ${messageOf(err)}`, 'point PAGERDUTY_CA_FILE at a readable PEM file, or unset it'));
    return results;
  }
  const client = createPagerDutyClient({ apiUrl: env.pagerdutyApiUrl, apiToken: env.pagerdutyApiToken, timeoutMs, ...(ca === undefined ? {} : { ca }), proxy: env.proxy });
  for (const policy of policies) {
    try {
      const emails = await client.findOnCallEmails(policy);
      results.push(ok(`pagerduty on-call ${policy}`, emails.length > 0 ? `on call now: ${emails.length} person(s)` : 'the token works; nobody is on call now'));
    } catch (err) {
      results.push(degraded(`pagerduty on-call ${policy}`, messageOf(err), 'check PAGERDUTY_API_TOKEN (a REST API key with read access), PAGERDUTY_API_URL and the policy ID'));
    }
  }
  return results;
}
