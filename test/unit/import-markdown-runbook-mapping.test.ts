import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { importMarkdownChecklist } from '../../src/checklist/import-markdown.js';
import { formatImportReport } from '../../src/checklist/markdown/format-import-report.js';
import { importAndParse } from './import-markdown-support.js';

/**
 * A runbook written for these tests in a style neither reference runbook uses (setext headings, numbered
 * tasks with an indented fence, a free-standing shell block, a sign-off table, a back-out section and
 * follow-ups by "T+1h", "Day 2" and "1 week after release"): each line's fate is stated.
 */
const fixture = () => readFile(new URL('../fixtures/markdown/005-release-playbook.md', import.meta.url));

describe('importing a runbook with commands, a sign-off table, a back-out section and follow-ups', () => {
  it('maps each recognised command to the item that does it, and keeps the rest as manual items with the command', async () => {
    const { checklist } = importAndParse(await fixture(), 'payments');
    const shape = checklist.phases.map((phase) => [
      phase.id,
      phase.after,
      phase.items.map((item) => (item.kind === 'step' ? `step ${item.action}: ${item.title}` : `${item.kind}: ${item.title}`)),
    ]);
    expect(shape).toEqual([
      [
        'preparation',
        undefined,
        [
          'manual: Freeze merges to main',
          'manual: Back up the ledger',
          // The dump under the task box is a Job; the task box stays for the person who checks it.
          'step job: Dump the ledger: `pg_dump "$LEDGER_URL" --format=custom --file=/backup/ledger.dump`',
        ],
      ],
      [
        'release',
        undefined,
        [
          'step job: Apply migrations: `python manage.py migrate --noinput`',
          'step set-image: Roll out the new image: `kubectl -n payments set image deployment/payments app=registry.example.com/payments:2.4.0`',
          'step wait-rollout: Wait for it: `kubectl -n payments rollout status deployment/payments --timeout=5m`',
          'check: Health: `curl -fsS https://payments.example.com/healthz`',
          // A POST is not a health check; the YAML block is not commands at all.
          'manual: Warm the cache: `curl -X POST https://payments.example.com/internal/warm`',
        ],
      ],
      [
        'approvals',
        undefined,
        // One sign-off per row of the Role/Name/Date/Signature table; the Role/Contact table is a contact list.
        ['signoff: Release Manager sign-off', 'signoff: Payments Lead sign-off'],
      ],
      ['t-1h', '1h', ['manual: Error budget burn below 2%']],
      ['day-2', '2d', ['manual: Reconciliation report matches']],
      ['1-week-after-release', '7d', ['manual: Remove the old feature flag']],
    ]);
    const job = checklist.phases[0]?.items[2];
    expect(job).toMatchObject({ kind: 'step', action: 'job', command: ['sh', '-c', 'pg_dump "$LEDGER_URL" --format=custom --file=/backup/ledger.dump'] });
    const check = checklist.phases[1]?.items[3];
    expect(check).toMatchObject({ kind: 'check', probe: { type: 'http', url: 'https://payments.example.com/healthz', method: 'GET', expectStatus: 200 } });
    expect(checklist.roles).toEqual({ 'release-manager': 'Release Manager', 'payments-lead': 'Payments Lead' });
  });

  it('turns the back-out section into the rollback plan, leaving the image rollback to flightdeck', async () => {
    const { checklist } = importAndParse(await fixture(), 'payments');
    expect(checklist.rollbackPlan?.map((item) => `${item.kind}: ${item.title}`)).toEqual([
      'manual: Tell #payments the release is being backed out',
      'check: Health check: `curl https://payments.example.com/healthz`',
      // No step may run in a rollback plan: the migration back is a command for a person.
      'manual: Run: `python manage.py migrate ledger 0041`',
    ]);
  });

  it('reports what it mapped and what it left manual, line by line', async () => {
    const { report } = importMarkdownChecklist(await fixture(), { name: 'payments' });
    const text = formatImportReport(report);
    expect(text).toContain('mapped to steps and checks: 5\n');
    expect(text).toContain('  line 14: pg_dump "$LEDGER_URL" --format=custom --file=/backup/ledger.dump → job step "dump-the-ledger"');
    expect(text).toContain('  line 31: curl -fsS https://payments.example.com/healthz → check item "health"\n');
    expect(text).toContain('sign-offs: 2\n');
    expect(text).toContain('follow-ups (phases with after): 3\n');
    expect(text).toContain('rollback plan: 3\n');
    expect(text).toContain("  line 58: kubectl -n payments rollout undo deployment/payments → done by flightdeck's rollback run (it restores the pinned image)\n");
    expect(text).toContain('left manual: 3\n');
    expect(text).toContain('  line 35: curl -X POST https://payments.example.com/internal/warm → manual item "warm-the-cache"\n');
  });

  it('adds the set-image step a lone rollout wait needs, and the wait a lone image change needs', () => {
    const waitOnly = importAndParse(['# Deploy', '', '- [ ] Announce', '', '```bash', 'kubectl rollout status deploy/api', '```'].join('\n')).checklist;
    expect(waitOnly.phases[0]?.items.map((item) => (item.kind === 'step' ? item.action : item.kind))).toEqual(['manual', 'set-image', 'wait-rollout']);
    const setOnly = importAndParse(['# Deploy', '', '```bash', 'helm upgrade api ./chart --set image.tag=2.0.0', '```'].join('\n')).checklist;
    expect(setOnly.phases[0]?.items.map((item) => (item.kind === 'step' ? item.action : item.kind))).toEqual(['set-image', 'wait-rollout']);
  });

  it('leaves a health call to localhost manual: from flightdeck it would reach flightdeck, not the service', () => {
    const { checklist } = importAndParse(['# Verify', '', '```bash', '# Health', 'curl -f http://localhost:3000/health', '```'].join('\n'));
    expect(checklist.phases[0]?.items).toEqual([{ id: 'health', kind: 'manual', title: 'Health: `curl -f http://localhost:3000/health`' }]);
  });
});
