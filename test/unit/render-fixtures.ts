import { expect } from 'vitest';
import type { KnownBlock } from '@slack/types';
import { checklistSchema, type Checklist } from '../../src/checklist/checklist-schema.js';
import { createRun } from '../../src/run/core/create-run.js';
import type { Run } from '../../src/run/core/run-schema.js';
import { parseBlocks } from '../../sandbox/slack/validate-blocks.js';

export const T0 = Date.UTC(2025, 2, 14, 14, 0, 0);
export const MIN = 60_000;

/** A run of `checklist` as `createRun` makes it (pending), requested by UREQ in C1. */
export function runOf(checklist: unknown, confirm = { start: false, signoffs: false }): Run {
  return createRun(
    {
      id: '42',
      service: 'api',
      environment: 'production',
      version: '2.0.0',
      target: { cluster: 'prod', namespace: 'shop', deployment: 'api', container: 'api', image: 'registry/api:2.0.0' },
      requestedBy: 'UREQ',
      channel: 'C1',
      checklist: checklistSchema.parse(checklist) as Checklist,
      confirm,
    },
    T0,
  );
}

const LONG = 'Verify that every downstream consumer of the public API has acknowledged the change window '.repeat(3).trim();

/** 20 phases of 5 items (manual, role-bound manual, sign-off with quorum 2, check, step): 100 items with long titles. */
export function hundredItemChecklist(): unknown {
  return {
    name: 'huge',
    roles: { lead: 'approves' },
    phases: Array.from({ length: 20 }, (_, p) => ({
      id: `phase-${p}`,
      title: `Phase ${p}: ${LONG}`.slice(0, 300),
      items: [
        { id: `m-${p}`, kind: 'manual', title: `${LONG} (${p}a)`.slice(0, 300) },
        { id: `r-${p}`, kind: 'manual', title: `${LONG} (${p}b)`.slice(0, 300), role: 'lead' },
        { id: `s-${p}`, kind: 'signoff', title: `${LONG} (${p}c)`.slice(0, 300), role: 'lead', quorum: 2, expires: '2h' },
        { id: `c-${p}`, kind: 'check', title: `${LONG} (${p}d)`.slice(0, 300), probe: { type: 'http', url: 'http://api.shop/health' } },
        { id: `b-${p}`, kind: 'step', action: 'bake', duration: '1m', title: `${LONG} (${p}e)`.slice(0, 300) },
      ],
    })),
  };
}

interface ButtonLike {
  action_id: string;
  text: { text: string };
  confirm?: { title?: { text: string }; text: { text: string }; confirm?: { text: string }; deny?: { text: string } };
}

/** Every button of a message, in order. */
export function buttonsOf(blocks: readonly KnownBlock[]): ButtonLike[] {
  return blocks.flatMap((block) => (block.type === 'actions' ? (block.elements as unknown as ButtonLike[]) : []));
}

/** Asserts every Block Kit limit a message must hold, and that Slack (the emulator's validator) accepts it. */
export function expectWithinLimits(blocks: readonly KnownBlock[]): void {
  expect(blocks.length).toBeLessThanOrEqual(50);
  for (const block of blocks) {
    if (block.type === 'actions') expect(block.elements.length).toBeLessThanOrEqual(25);
    if (block.type === 'section') expect(block.text?.text.length ?? 0).toBeLessThanOrEqual(3000);
    if (block.type === 'header') expect(block.text.text.length).toBeLessThanOrEqual(150);
    if (block.type === 'context') expect(block.elements.length).toBeLessThanOrEqual(10);
  }
  const buttons = buttonsOf(blocks);
  for (const button of buttons) {
    expect(button.text.text.length).toBeLessThanOrEqual(75);
    expect(button.action_id.length).toBeLessThanOrEqual(255);
    if (button.confirm) {
      expect(button.confirm.title?.text.length ?? 0).toBeLessThanOrEqual(100);
      expect(button.confirm.text.text.length).toBeLessThanOrEqual(300);
      expect(button.confirm.confirm?.text.length ?? 0).toBeLessThanOrEqual(30);
      expect(button.confirm.deny?.text.length ?? 0).toBeLessThanOrEqual(30);
    }
  }
  const ids = buttons.map((button) => button.action_id);
  expect(new Set(ids).size).toBe(ids.length);
  const blockIds = blocks.map((block) => block.block_id).filter((id) => id !== undefined);
  expect(new Set(blockIds).size).toBe(blockIds.length);
  const parsed = parseBlocks(blocks);
  expect(parsed.ok ? [] : parsed.messages).toEqual([]);
}

/** All text of a message's blocks, for content assertions. */
export function textOf(blocks: readonly KnownBlock[]): string {
  return JSON.stringify(blocks);
}
