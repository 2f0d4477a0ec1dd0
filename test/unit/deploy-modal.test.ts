import { describe, expect, it } from 'vitest';
import { invalidVersion } from '../../commands/deploy/parse-deploy.js';
import { FlightdeckError } from '../../src/errors/flightdeck-error.js';
import {
  buildDeployModal,
  buildDeployStartedView,
  DEPLOY_MODAL_CALLBACK_ID,
  modalErrorsFor,
  readDeployChannel,
  readDeploySubmission,
} from '../../src/slack/deploy-modal.js';
import type { Run } from '../../src/run/core/run-schema.js';

const catalog = {
  services: { api: {}, web: {} },
  environments: { staging: {}, production: {} },
} as unknown as Parameters<typeof buildDeployModal>[0];

describe('the /deploy modal', () => {
  it('offers the catalog services and environments and a version input, keeping the channel', () => {
    const view = buildDeployModal(catalog, { channelId: 'C0DEPLOY' });
    expect(view.callback_id).toBe(DEPLOY_MODAL_CALLBACK_ID);
    expect(readDeployChannel(view.private_metadata)).toBe('C0DEPLOY');
    const inputs = view.blocks.map((block) => block as { type: string; block_id: string; element: { type: string; action_id: string; options?: { value: string }[] } });
    expect(inputs.map((block) => [block.type, block.block_id, block.element.type, block.element.action_id])).toEqual([
      ['input', 'service', 'static_select', 'value'],
      ['input', 'environment', 'static_select', 'value'],
      ['input', 'version', 'plain_text_input', 'value'],
      ['input', 'mode', 'checkboxes', 'value'],
    ]);
    expect(view.blocks[3]).toMatchObject({ optional: true, element: { options: [{ value: 'dry-run' }] } });
    expect(inputs[0]!.element.options!.map((option) => option.value)).toEqual(['api', 'web']);
    expect(inputs[1]!.element.options!.map((option) => option.value)).toEqual(['staging', 'production']);
    expect(view.submit).toBeDefined();
  });

  it('offers at most 100 services, the most a static select holds', () => {
    const many = { ...catalog, services: Object.fromEntries(Array.from({ length: 150 }, (_, i) => [`svc-${i}`, {}])) } as typeof catalog;
    const select = (buildDeployModal(many, { channelId: 'C1' }).blocks[0] as { element: { options: unknown[] } }).element;
    expect(select.options).toHaveLength(100);
  });

  it.each([
    [{ service: { value: { type: 'static_select', selected_option: { value: 'api' } } }, environment: { value: { type: 'static_select', selected_option: { value: 'production' } } }, version: { value: { type: 'plain_text_input', value: ' v1.4.2 ' } } }, { service: 'api', environment: 'production', version: 'v1.4.2', dryRun: false }],
    [{ service: { value: { selected_option: { value: 'api' } } }, environment: { value: { selected_option: { value: 'production' } } }, version: { value: { value: 'v1' } }, mode: { value: { type: 'checkboxes', selected_options: [{ value: 'dry-run' }] } } }, { service: 'api', environment: 'production', version: 'v1', dryRun: true }],
    [{ version: { value: { value: 'v1' } }, mode: { value: { type: 'checkboxes', selected_options: [] } } }, { service: undefined, environment: undefined, version: 'v1', dryRun: false }],
    [{ service: { value: { selected_option: null } }, environment: { value: { selected_option: null } }, version: { value: { value: '' } } }, { service: undefined, environment: undefined, version: undefined, dryRun: false }],
    [{ service: 'not an object' }, { dryRun: false }],
    [null, { dryRun: false }],
  ])('reads the submitted state %#', (values, expected) => {
    expect(readDeploySubmission(values)).toEqual(expected);
  });

  it.each([[undefined], [''], ['{'], ['{"channelId":3}']])('reads an unusable private_metadata %j as no channel', (metadata) => {
    expect(readDeployChannel(metadata)).toBe('');
  });

  it.each([
    [new FlightdeckError('unknown-service', 'There is no service called `x`.', { remedy: 'Known services: `api`.' }), 'service', 'There is no service called x. Known services: api.'],
    [new FlightdeckError('environment-not-allowed', '`api` is not deployed to `qa`.'), 'environment', 'api is not deployed to qa.'],
    [new FlightdeckError('target-locked', '`api` in production is locked by <@U0BOB> since 14:00 UTC: freeze'), 'environment', 'locked by @U0BOB'],
    [new FlightdeckError('forbidden', 'You may not deploy to production: that needs the role `deployers`.'), 'environment', 'needs the role deployers'],
    [invalidVersion('v1:latest'), 'version', "v1:latest is not a valid image tag."],
    [new Error('boom'), 'service', 'reference: ref1'],
  ])('puts refusal %# under the input it concerns, as plain text', (err, block, text) => {
    const errors = modalErrorsFor(err, 'ref1');
    expect(Object.keys(errors)).toEqual([block]);
    expect(errors[block]).toContain(text);
    expect(errors[block]).not.toMatch(/[`\n]/);
  });

  it('replaces the form with where to follow the run, and says when it waits for Start', () => {
    const run = { id: '12', service: 'api', version: 'v1.4.2', environment: 'production', channel: 'C0PROD', state: 'pending' } as Run;
    const text = JSON.stringify(buildDeployStartedView(run));
    expect(text).toContain('Run #12: deploying *api* `v1.4.2` to *production*. The checklist is posted in <#C0PROD>.');
    expect(text).toContain('press *Start*');
    expect(JSON.stringify(buildDeployStartedView({ ...run, state: 'running' }))).not.toContain('Start');
  });
});
