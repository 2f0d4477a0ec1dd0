import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checklistNameFromPath } from '../../src/checklist/import-markdown.js';
import { runImportChecklist } from '../../src/checklist/markdown/run-import-checklist.js';
import { checkConfig } from '../../src/config/check-config.js';
import { importAndParse, importError, titlesOf } from './import-markdown-support.js';

const FIX = fileURLToPath(new URL('../fixtures/markdown/', import.meta.url));
const REFERENCE_001 = path.join(FIX, '001-production-deployment.md');
const REFERENCE_002 = path.join(FIX, '002-deployment-runbook.md');

describe('importMarkdownChecklist on the reference checklists', () => {
  it('imports 001 (mis-encoded as Mac Roman) with its phases, nested context, stakeholder sign-offs, deploy steps, follow-ups and rollback plan', async () => {
    const { checklist, warnings } = importAndParse(await readFile(REFERENCE_001), 'production-deployment');
    expect(warnings).toEqual([expect.stringMatching(/repaired \d+ run\(s\) .* Mac Roman/)]);
    expect(checklist.description).toBe('Production Deployment Checklist');
    const phases = checklist.phases.map((phase) => phase.id);
    expect(phases.slice(0, 4)).toEqual(['infrastructure-readiness', 'security-readiness', 'code-build-readiness', 'documentation-team-readiness']);
    expect(phases).toContain('gradual-traffic-migration');
    expect(phases).not.toContain('critical-pre-deployment-fixes-required');
    expect(checklist.phases[0]?.title).toBe('Phase 1: Pre-Deployment Preparation — Infrastructure Readiness');
    const titles = titlesOf(checklist);
    expect(titles).toContain('Kubernetes Cluster: Cluster accessible via kubectl');
    expect(titles).toContain('Kubernetes Cluster: Cluster version ≥ 1.28');
    expect(titles).toContain('Traffic Migration Steps: 5% traffic to new deployment (5 minutes)');
    expect(titles).toContain('Container Build & Push');
    expect(titles).not.toContain('Kubernetes Cluster');
    // Titles a person reads: no mis-decoded bytes, no YAML from the code blocks, no Markdown marks. Step
    // titles quote the command they came from.
    const manualTitles = checklist.phases.flatMap((phase) => phase.items.filter((item) => item.kind !== 'step').map((item) => item.title));
    expect(manualTitles.join('\n')).not.toMatch(/üöÄ|‚|kubectl apply|apiVersion|[*`]/);
    const steps = checklist.phases.flatMap((phase) => phase.items.flatMap((item) => (item.kind === 'step' ? [[phase.id, item.action, item.title]] : [])));
    expect(steps).toEqual([
      ['build-deploy', 'set-image', 'Deploy main application: `kubectl apply -f k8s/mcp-deployment.yaml`'],
      ['build-deploy', 'wait-rollout', 'Check rollout status: `kubectl rollout status deployment/mcp-typescript-api -n mcp-production`'],
    ]);
    // "**Day 1:**", "**Week 1:**" under "Follow-up Actions" are follow-ups, last, due a day and one and two weeks after.
    expect(checklist.phases.slice(-3).map((phase) => [phase.id, phase.after, phase.items[0]?.title])).toEqual([
      ['day-1', '1d', 'Monitor all metrics hourly'],
      ['week-1', '7d', 'Daily metric reviews'],
      ['week-2', '14d', 'Comprehensive performance review'],
    ]);
    // "Rollback Procedure" holds `kubectl rollout undo`: the plan's, not a box the deployment waits for;
    // "Rollback Preparedness" (triggers defined before the deployment) stays a phase.
    expect(checklist.rollbackPlan).toEqual([{ id: 'rollback-procedure', kind: 'manual', title: 'Rollback Procedure' }]);
    expect(phases).toContain('rollback-preparedness');
    expect(checklist.roles).toEqual({
      'technical-lead': 'Technical Lead',
      'security-team': 'Security Team',
      'operations-team': 'Operations Team',
      'product-owner': 'Product Owner',
      'deployment-team-lead': 'Deployment Team Lead',
    });
    const approval = checklist.phases.find((phase) => phase.id === 'go-live-approval');
    expect(approval?.items.map((item) => [item.kind, item.kind === 'signoff' ? item.role : undefined, item.title])).toEqual([
      ['signoff', 'technical-lead', 'Technical Lead: System functioning correctly'],
      ['signoff', 'security-team', 'Security Team: Security posture maintained'],
      ['signoff', 'operations-team', 'Operations Team: Monitoring and alerting active'],
      ['signoff', 'product-owner', 'Product Owner: Business requirements met'],
      ['manual', undefined, 'Final Go-Live Decision: APPROVED for Production'],
      ['signoff', 'deployment-team-lead', 'Final Go-Live Decision: Deployment Team Lead Signature'],
      ['manual', undefined, 'Final Go-Live Decision: Date/Time'],
    ]);
  });

  it('imports 002 with its pre-deployment sections, runbook steps with their commands, follow-ups last and the rollback plan', async () => {
    const { checklist, warnings } = importAndParse(await readFile(REFERENCE_002), 'deployment-runbook');
    expect(warnings).toEqual([]);
    expect(checklist.phases.map((phase) => [phase.id, phase.after])).toEqual([
      ['code-quality-testing', undefined],
      ['configuration', undefined],
      ['database', undefined],
      ['security', undefined],
      ['infrastructure', undefined],
      ['monitoring-logging', undefined],
      ['documentation', undefined],
      ['step-1-pre-deployment-verification', undefined],
      ['step-2-database-preparation', undefined],
      ['option-a-docker-deployment', undefined],
      ['option-b-direct-deployment', undefined],
      ['step-4-post-deployment-verification', undefined],
      ['step-5-smoke-tests', undefined],
      ['step-6-monitoring-verification', undefined],
      ['success-criteria', undefined],
      ['immediate-within-1-hour', '1h'],
      ['within-24-hours', '24h'],
      ['within-1-week', '7d'],
    ]);
    const executable = checklist.phases.flatMap((phase) =>
      phase.items.flatMap((item) => (item.kind === 'step' ? [[phase.id, item.action]] : item.kind === 'check' ? [[phase.id, `check ${item.probe.type}`]] : [])),
    );
    expect(executable).toEqual([
      ['step-2-database-preparation', 'job'],
      ['step-2-database-preparation', 'job'],
      ['option-a-docker-deployment', 'set-image'],
      ['option-a-docker-deployment', 'wait-rollout'],
      ['step-4-post-deployment-verification', 'check http'],
    ]);
    const backup = checklist.phases.find((phase) => phase.id === 'step-2-database-preparation')?.items.find((item) => item.kind === 'step');
    expect(backup).toMatchObject({ action: 'job', command: ['sh', '-c', 'pg_dump $DATABASE_URL > backup_$(date +%Y%m%d_%H%M%S).sql'] });
    // The "Rollback Procedure" section is the plan; its checklist and the health call it makes are in it.
    expect(checklist.rollbackPlan?.map((item) => item.title)).toContain('Previous version restored');
    expect(checklist.rollbackPlan?.find((item) => item.kind === 'check')).toMatchObject({ probe: { type: 'http', url: 'https://api.yourdomain.com/health' } });
    const byId = new Map(checklist.phases.map((phase) => [phase.id, phase]));
    expect(byId.get('code-quality-testing')?.title).toBe('Pre-Deployment Checklist — Code Quality & Testing');
    expect(byId.get('code-quality-testing')?.items[4]).toEqual({ id: 'code-coverage-80', kind: 'manual', title: 'Code coverage ≥ 80%' });
    expect(titlesOf(checklist)).toContain('.env.production file created with all required variables');
    expect(titlesOf(checklist)).toContain('JWT_SECRET generated (min 32 chars) and configured');
    expect(byId.get('within-24-hours')?.title).toBe('Post-Deployment Tasks — Within 24 Hours');
    // The log template inside ```markdown has "- [ ] Tests passed"; it is an example, not part of the checklist.
    expect(titlesOf(checklist)).not.toContain('Tests passed');
    // The contacts table is not a sign-off sheet, and the troubleshooting section's commands are not steps.
    expect(titlesOf(checklist).join('\n')).not.toMatch(/On-Call Engineer|docker logs mcp-server \| grep ERROR/);
    expect(checklist.roles).toEqual({});
  });

  it('gives output that `flightdeck check <file>` accepts without a catalog', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'import-md-'));
    try {
      for (const source of [REFERENCE_001, REFERENCE_002]) {
        const target = path.join(dir, `${checklistNameFromPath(source)}.yaml`);
        let yaml = '';
        const stderr: string[] = [];
        const code = await runImportChecklist([source], { stdout: (text) => (yaml += text), stderr: (text) => stderr.push(text) });
        expect(code).toBe(0);
        await writeFile(target, yaml);
        const problems = await checkConfig({ configPath: path.join(dir, 'no-catalog.yaml'), checklistDir: dir, files: [target] });
        expect(problems).toEqual([]);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('importMarkdownChecklist structure', () => {
  it('keeps nested context at every depth and makes a parent with task children context only', () => {
    const { checklist } = importAndParse(
      ['# Release', '', '- [ ] **Database**', '  - [ ] Backed up', '  - Replicas', '    - [x] Lag under *5s*', '- [ ] Standalone'].join('\n'),
    );
    expect(titlesOf(checklist)).toEqual(['Database: Backed up', 'Database: Replicas: Lag under 5s', 'Standalone']);
    expect(checklist.phases[0]).toMatchObject({ id: 'release', title: 'Release' });
  });

  it('skips fenced (``` and ~~~), indented code and tables, and strips links and emphasis', () => {
    const markdown = [
      '## Checks',
      '```',
      '- [ ] in backticks',
      '```',
      '~~~~md',
      '- [ ] in tildes',
      '~~~~',
      '',
      '    - [ ] indented code',
      '',
      '| a | b |',
      '|---|---|',
      '| - [ ] in a table | x |',
      '',
      'name | state',
      '--- | ---',
      '- [ ] also table | y',
      '',
      '- [ ] Read [the runbook](https://example.com/runbook) and ~~skip~~ **do** `kubectl get pods` &amp; more',
    ].join('\n');
    const { checklist } = importAndParse(markdown);
    expect(titlesOf(checklist)).toEqual(['Read the runbook and skip do kubectl get pods & more']);
  });

  it('puts items outside headings in a first phase named after the title, dedupes ids and drops empty phases', () => {
    const { checklist } = importAndParse(['- [ ] Backup', '- [ ] Backup', '', '# Release 🚀', '## Empty', 'prose', '## 🔧 Backup', '- [x] Backup'].join('\n'));
    expect(checklist.phases.map((phase) => [phase.id, phase.title])).toEqual([
      ['release', 'Release'],
      ['backup-4', 'Backup'],
    ]);
    expect(checklist.phases.flatMap((phase) => phase.items.map((item) => item.id))).toEqual(['backup', 'backup-2', 'backup-3']);
    const untitled = importAndParse('- [ ] Only item').checklist;
    expect(untitled.phases[0]).toMatchObject({ id: 'checklist', title: 'Checklist' });
  });

  it('turns sign-off lines and sign-off sections into signoff items with declared roles', () => {
    const { checklist } = importAndParse(
      [
        '## Verify',
        '- [ ] Technical Lead sign-off',
        '- [ ] Security review approved by …',
        '- [ ] Release approved by Change Advisory Board',
        '- [ ] Final sign-off',
        '- [ ] Code reviewed and approved',
        '- [ ] Change approval ticket created',
        '## Approvals',
        '- [ ] QA Lead',
        '- [ ] **Head of SRE** - rollout plan agreed',
        '- [ ] Release notes published',
      ].join('\n'),
    );
    const summary = checklist.phases.flatMap((phase) => phase.items.map((item) => `${item.kind}:${item.kind === 'signoff' ? item.role : '-'}`));
    expect(summary).toEqual([
      'signoff:technical-lead',
      'signoff:security',
      'signoff:change-advisory-board',
      'signoff:approver',
      'manual:-',
      'manual:-',
      'signoff:qa-lead',
      'signoff:head-of-sre',
      'manual:-',
    ]);
    expect(checklist.roles).toEqual({
      'technical-lead': 'Technical Lead',
      security: 'Security',
      'change-advisory-board': 'Change Advisory Board',
      approver: 'Approver',
      'qa-lead': 'QA Lead',
      'head-of-sre': 'Head of SRE',
    });
  });

  it('cuts titles over 300 characters with a warning and keeps item ids within 63 characters', () => {
    const long = 'word '.repeat(200).trim();
    const { checklist, warnings } = importAndParse(`## P\n- [ ] ${long}`);
    const item = checklist.phases[0]?.items[0];
    expect(item?.title).toHaveLength(300);
    expect(item?.title?.endsWith('…')).toBe(true);
    expect(item?.id.length).toBeLessThanOrEqual(63);
    expect(warnings).toEqual(['line 2: title longer than 300 characters was cut']);
  });

  it('caps the number of items with a warning', () => {
    const markdown = `# Big\n${Array.from({ length: 700 }, (_, i) => `- [ ] Check ${i}`).join('\n')}`;
    const { checklist, warnings } = importAndParse(markdown);
    expect(titlesOf(checklist)).toHaveLength(500);
    expect(warnings).toContain('only the first 500 items were imported; 200 more were left out');
  });

  it('keeps known template variables and breaks up other {{…}} so the schema accepts them', () => {
    const { checklist, warnings } = importAndParse('- [ ] Deploy {{version}} to {{ .Values.env }} and {{{x}}}');
    expect(titlesOf(checklist)).toEqual(['Deploy {{version}} to { { .Values.env }} and {{ {x}}}']);
    expect(warnings[0]).toMatch(/not a flightdeck template variable/);
  });

  it('rejects input without checklist items, and bad names, with a clear error', () => {
    const prose = importError('# Title\n\nSome prose.\n\n- a plain bullet\n\n```\n- [ ] in code\n```');
    expect(prose.code).toBe('checklist-invalid');
    expect(prose.message).toMatch(/no checklist items/);
    for (const blank of ['', '   \n\t\n', '\uFEFF']) expect(importError(blank).message).toMatch(/empty/);
    const name = importError('- [ ] x', 'Not Valid');
    expect(name.code).toBe('usage');
    expect(name.message).toMatch(/checklist name "Not Valid" is not valid/);
  });

  it('derives checklist names from file paths', () => {
    expect(checklistNameFromPath('/tmp/Production Deploy.md')).toBe('production-deploy');
    expect(checklistNameFromPath('docs/001_e02c4fab26d6565f.txt')).toBe('001-e02c4fab26d6565f');
    expect(checklistNameFromPath('🚀.md')).toBe('imported-checklist');
  });
});
