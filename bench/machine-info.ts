import { cpus, totalmem } from 'node:os';
import { execFileSync } from 'node:child_process';

/** The machine a figure was measured on, as BENCHMARKS.md states it. */
export interface MachineInfo {
  nproc: number;
  cpuModel: string;
  memoryGiB: number;
  node: string;
  redis: string;
  os: string;
}

/** Reads the machine description; a missing `redis-server` or `uname` shows as `unknown`, never fails. */
export function machineInfo(): MachineInfo {
  const run = (file: string, args: string[]) => {
    try {
      return execFileSync(file, args, { encoding: 'utf8' }).trim();
    } catch {
      return 'unknown';
    }
  };
  return {
    nproc: cpus().length,
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    redis: /v=(\S+)/.exec(run('redis-server', ['--version']))?.[1] ?? 'unknown',
    os: run('uname', ['-sr']),
  };
}
