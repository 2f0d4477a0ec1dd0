import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { importAndParse } from './import-markdown-support.js';

/**
 * Runbooks written for these tests in styles the two reference checklists do not use. Each test states the
 * whole checklist, so every line of the runbook is accounted for: a line that became an item is listed with
 * its kind, title and role, and a line that should become nothing (prose, a table row, code, a comment, a
 * step without a task box) would show up as an extra item if it leaked in.
 */
const fixture = (name: string) => readFile(new URL(`../fixtures/markdown/${name}`, import.meta.url));

/** [phase id, phase title, items as [kind, title, role?]]. */
type Shape = Array<[string, string, Array<[string, string, string?]>]>;
const shapeOf = (checklist: ReturnType<typeof importAndParse>['checklist']): Shape =>
  checklist.phases.map((phase) => [
    phase.id,
    phase.title,
    phase.items.map((item): [string, string, string?] => (item.kind === 'signoff' ? [item.kind, item.title ?? '', item.role] : [item.kind, item.title ?? ''])),
  ]);

describe('importMarkdownChecklist on runbooks in other styles', () => {
  it('numbered task lists (1. and 3)), nested numbering, setext headings, a table and prose fill-in lines', async () => {
    const { checklist, warnings } = importAndParse(await fixture('003-numbered-setext.md'), 'failover');
    expect(warnings).toEqual([]);
    // The `===` title is the description, not a phase: its only text is prose ("Owner: …").
    expect(checklist.description).toBe('Database Failover Runbook');
    expect(shapeOf(checklist)).toEqual([
      [
        'before-you-start',
        'Before you start',
        [
          ['manual', 'Announce the failover in #ops'],
          // "2. [ ]" has task boxes under it, so it is their context rather than an item of its own.
          ['manual', 'Confirm the replica lag is under 5 seconds: Check pg_stat_replication on the primary'],
          ['manual', 'Confirm the replica lag is under 5 seconds: Check the lag graph in Grafana'],
          ['manual', 'Freeze writes from the batch jobs'],
        ],
      ],
      [
        'failover',
        'Failover',
        [
          ['manual', 'Promote the replica'],
          ['manual', 'Point the db-primary DNS record at the new primary'],
          // "12. Verify application health" has no task box, and "| [ ] Page the DBA |" is a table row: neither is an item.
        ],
      ],
      [
        'sign-off',
        'Sign-off',
        [
          ['signoff', 'DBA Lead: data verified', 'dba-lead'],
          ['signoff', 'Incident Commander sign-off', 'incident-commander'],
          // "Approved by: ______" in prose is a sign-off that names nobody; "Date: ______" is not one.
          ['signoff', 'Approved by', 'approver'],
        ],
      ],
    ]);
    expect(checklist.roles).toEqual({ 'dba-lead': 'DBA Lead', 'incident-commander': 'Incident Commander', approver: 'Approver' });
  });

  it('* and + bullets, a quoted task, HTML comments, a bold label, fenced and indented code, and sign-offs in prose', async () => {
    const { checklist, warnings } = importAndParse(await fixture('004-stars-quotes-comments.md'), 'cache-upgrade');
    expect(warnings).toEqual([]);
    expect(checklist.description).toBe('Cache Cluster Upgrade');
    expect(shapeOf(checklist)).toEqual([
      // The task inside the quote is a task; the quote's prose is not. Before the first `##`, it goes under the title.
      ['cache-cluster-upgrade', 'Cache Cluster Upgrade', [['manual', 'Maintenance window approved in the change calendar']]],
      [
        'preparation',
        'Preparation',
        [
          // The trailing comment is gone; the commented-out "Old step" and the box-less note are not items.
          ['manual', 'Snapshot every cache node'],
          ['manual', 'Drain node cache-1: Wait for connections to reach zero'],
          ['manual', 'Drain node cache-1: Remove it from the load balancer'],
          ['manual', 'Rollback plan: Keep the previous AMI for 7 days'],
        ],
      ],
      [
        'upgrade',
        'Upgrade',
        [
          ['manual', 'Upgrade cache-1'],
          // The fence ends the list, so the indented `* [ ]` after it is code, not a step nested here.
          ['manual', 'Upgrade the remaining nodes, one at a time'],
        ],
      ],
      [
        'approvals',
        'Approvals',
        [
          // "The change is approved by the Release Manager once …" is prose without a blank: not an item.
          ['signoff', 'Approved by the Release Manager', 'release-manager'],
          ['signoff', 'QA Lead sign-off', 'qa-lead'],
          ['signoff', 'Product Owner: customer comms sent', 'product-owner'],
          ['signoff', 'Signed off by: (Site Reliability Lead)', 'site-reliability-lead'],
        ],
      ],
    ]);
    expect(checklist.roles).toEqual({
      'release-manager': 'Release Manager',
      'qa-lead': 'QA Lead',
      'product-owner': 'Product Owner',
      'site-reliability-lead': 'Site Reliability Lead',
    });
  });

  it('a list interrupted by a fence or a table at the margin is closed: what follows is not nested under it', () => {
    const markdown = ['# Ops', '', '- [ ] Stop the writer', '```', 'echo stop', '```', '- [ ] Start the reader', '', '| a | b |', '|---|---|', '  - [ ] Check the reader'].join('\n');
    expect(shapeOf(importAndParse(markdown).checklist)).toEqual([['ops', 'Ops', [['manual', 'Stop the writer'], ['manual', 'Start the reader'], ['manual', 'Check the reader']]]]);
  });
});
