import { execFileSync } from 'node:child_process';

/** The e2e suite runs the built flightdeck, as an operator would: build it once before any test. */
export default function buildOnce(): void {
  execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
}
