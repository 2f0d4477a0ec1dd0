import { fstatSync, readlinkSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { FlightdeckError } from '../../errors/flightdeck-error.js';
import { checklistNameFromPath, importMarkdownChecklist } from '../import-markdown.js';
import { MAX_MARKDOWN_BYTES } from './decode-markdown-text.js';
import { formatImportReport } from './format-import-report.js';

export const IMPORT_CHECKLIST_USAGE = 'Usage: flightdeck import-checklist <file.md> [--name <checklist-name>] [--report]';

export interface ImportChecklistIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

/**
 * The YAML file standard output is redirected to, when it is one (`… > production.yaml`), read from
 * /proc on Linux. `flightdeck check` requires a checklist's name to match its file name, so that name is
 * the most useful default. Undefined elsewhere, or when stdout is a terminal or pipe.
 */
function redirectedYamlName(): string | undefined {
  try {
    if (!fstatSync(1).isFile()) return undefined;
    const target = readlinkSync('/proc/self/fd/1');
    return /\.ya?ml$/.test(target) ? checklistNameFromPath(target) : undefined;
  } catch {
    return undefined;
  }
}

function parseArgs(args: readonly string[]): { file: string; name: string | undefined; report: boolean } {
  const files: string[] = [];
  let name: string | undefined;
  let report = false;
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i] ?? '';
    if (arg === '--report') {
      report = true;
    } else if (arg === '--name') {
      name = args[i + 1];
      if (name === undefined) throw new FlightdeckError('usage', `--name needs a value\n${IMPORT_CHECKLIST_USAGE}`);
      i += 1;
    } else if (arg.startsWith('--name=')) {
      name = arg.slice('--name='.length);
    } else if (arg.startsWith('-') && arg !== '-') {
      throw new FlightdeckError('usage', `unknown option "${arg}"\n${IMPORT_CHECKLIST_USAGE}`);
    } else {
      files.push(arg);
    }
  }
  const [file, extra] = files;
  if (file === undefined || extra !== undefined) {
    throw new FlightdeckError('usage', `import-checklist takes exactly one Markdown file\n${IMPORT_CHECKLIST_USAGE}`);
  }
  return { file, name, report };
}

/**
 * `flightdeck import-checklist <file.md> [--name <name>] [--report]`: prints checklist YAML on stdout and
 * warnings on stderr; with `--report`, also what each item and command became, on stderr, so the YAML can
 * still be redirected to a file. The name defaults to the base name of the YAML file stdout is redirected to, else the
 * Markdown file's base name. Returns the exit code: 0, or 1 with the problem on stderr (unreadable or
 * oversized file, bad arguments, Markdown that cannot become a checklist).
 */
export async function runImportChecklist(args: readonly string[], io: ImportChecklistIo): Promise<number> {
  try {
    const { file, name, report } = parseArgs(args);
    const size = await stat(file).then(
      (info) => (info.isFile() ? info.size : undefined),
      (err: NodeJS.ErrnoException) => {
        throw new FlightdeckError('usage', `${file}: cannot read it (${err.code ?? err.message})`);
      },
    );
    if (size === undefined) throw new FlightdeckError('usage', `${file}: not a regular file`);
    if (size > MAX_MARKDOWN_BYTES) {
      throw new FlightdeckError('checklist-invalid', `${file}: ${(size / 1024 / 1024).toFixed(1)} MB is more than import-checklist reads (5 MB)`);
    }
    const content = await readFile(file);
    const result = importMarkdownChecklist(content, { name: name ?? redirectedYamlName() ?? checklistNameFromPath(path.basename(file)) });
    for (const warning of result.warnings) io.stderr(`warning: ${file}: ${warning}\n`);
    if (report) io.stderr(formatImportReport(result.report));
    io.stdout(result.yaml);
    return 0;
  } catch (err) {
    if (!(err instanceof FlightdeckError)) throw err;
    io.stderr(`${err.message}${err.remedy ? ` — ${err.remedy}` : ''}\n`);
    return 1;
  }
}
