import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RECOVERY_HEADING, writeRecoverySection } from '../../bench/report/recovery-section.js';
import { writeRunsSection } from '../../bench/report/runs-section.js';

const FILE = [
  '# Benchmarks',
  '',
  '## 2. Many runs at once',
  '',
  'old runs figures',
  '',
  '## 3. Breach to rollback',
  '',
  'breach figures',
  '',
  `${RECOVERY_HEADING}`,
  '',
  'old recovery figures',
  '',
  '## 5. Issue 16 goals',
  '',
  'hand-written notes',
  '',
].join('\n');

function benchmarksFile(): string {
  const path = join(mkdtempSync(join(tmpdir(), 'bench-writers-')), 'BENCHMARKS.md');
  writeFileSync(path, FILE);
  return path;
}

describe('BENCHMARKS.md section writers', () => {
  it('a recovery run replaces section 4 and keeps the sections before and after it', () => {
    const path = benchmarksFile();
    writeRecoverySection(path, [RECOVERY_HEADING, '', 'new recovery figures', '']);
    const text = readFileSync(path, 'utf8');
    expect(text).toContain('new recovery figures');
    expect(text).not.toContain('old recovery figures');
    expect(text).toContain('breach figures');
    expect(text).toContain('## 5. Issue 16 goals\n\nhand-written notes');
    expect(text.indexOf('new recovery figures')).toBeLessThan(text.indexOf('## 5. Issue 16 goals'));
  });

  it('a runs series replaces section 2 only', () => {
    const path = benchmarksFile();
    writeRunsSection(path, ['## 2. Many runs at once', '', 'new runs figures', '']);
    const text = readFileSync(path, 'utf8');
    expect(text).toContain('new runs figures');
    expect(text).not.toContain('old runs figures');
    expect(text).toContain('old recovery figures');
    expect(text).toContain('hand-written notes');
  });
});
