// Preloaded into the flightdeck process with NODE_OPTIONS=--import (Node 20 refuses --cpu-prof there).
// Plain JavaScript on purpose: a TypeScript loader in the measured process would hook every import it makes.
// Profiles from start-up; on SIGUSR2 stops and writes the V8 CPU profile to FLIGHTDECK_CPU_PROFILE.
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
    });
  });
}
