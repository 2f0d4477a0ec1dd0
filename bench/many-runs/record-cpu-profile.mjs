// Preloaded into the flightdeck process with NODE_OPTIONS=--import (Node 20 refuses --cpu-prof there).
// Plain JavaScript on purpose: a TypeScript loader in the measured process would hook every import it makes.
// Profiles from start-up; each SIGUSR2 writes the V8 CPU profile so far to FLIGHTDECK_CPU_PROFILE and starts
// a new one, so a bench can cut one process's life into windows (it moves each file away before the next signal).
import { Session } from 'node:inspector';
import { writeFileSync } from 'node:fs';

const target = process.env.FLIGHTDECK_CPU_PROFILE;
if (target) {
  const session = new Session();
  session.connect();
  session.post('Profiler.enable', () => session.post('Profiler.start'));
  process.on('SIGUSR2', () => {
    session.post('Profiler.stop', (err, result) => {
      if (err) process.stderr.write(`cpu profile failed: ${err.message}\n`);
      else writeFileSync(target, JSON.stringify(result.profile));
      session.post('Profiler.start');
    });
  });
}
