// Preloaded (NODE_OPTIONS=--import) by `npm run test:mutation`. The project compiles with TypeScript 7, whose
// package no longer carries the compiler API that Stryker's TypeScript checker calls, so Stryker's
// packages, and only they, are given TypeScript 6 (the devDependency `typescript-api`) when they import `typescript`.
import { register } from 'node:module';

register('./resolve-typescript-api.mjs', import.meta.url);
