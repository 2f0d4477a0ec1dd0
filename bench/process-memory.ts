import { readFileSync } from 'node:fs';

/** Resident memory of a live process from /proc (Linux), in MiB. */
export interface ProcessMemory {
  /** VmRSS: resident now. */
  rssMiB: number;
  /** VmHWM: the peak resident set since the process started. */
  peakRssMiB: number;
}

/** Reads /proc/<pid>/status; undefined when the process is gone or /proc is not there. */
export function processMemory(pid: number): ProcessMemory | undefined {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rssMiB: kib('VmRSS') / 1024, peakRssMiB: kib('VmHWM') / 1024 };
}
