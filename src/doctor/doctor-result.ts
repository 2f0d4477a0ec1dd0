/**
 * One line of `flightdeck doctor`: `ok`, `degraded` (flightdeck runs, a feature is off — never fails the
 * command) or `failed` (flightdeck cannot do its work; the command exits 1). `fix` says what to do.
 */
export interface DoctorResult {
  check: string;
  status: 'ok' | 'degraded' | 'failed';
  detail: string;
  fix?: string;
}

export const ok = (check: string, detail: string): DoctorResult => ({ check, status: 'ok', detail });
export const degraded = (check: string, detail: string, fix: string): DoctorResult => ({ check, status: 'degraded', detail, fix });
export const failed = (check: string, detail: string, fix: string): DoctorResult => ({ check, status: 'failed', detail, fix });

/** Resolves `work`, or rejects with "no answer within …" once `ms` pass; the timer never keeps the process alive. */
export function within<T>(ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/** The message of anything thrown, for a doctor line. */
export const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));
