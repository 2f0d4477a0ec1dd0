// Module resolve hook registered by typescript-api.mjs: see there why. Stryker's core reads tsconfig files
// with the compiler API too, so every Stryker package gets it.
const STRYKER = '/node_modules/@stryker-mutator/';

export async function resolve(specifier, context, nextResolve) {
  if (specifier === 'typescript' && context.parentURL?.includes(STRYKER)) return nextResolve('typescript-api', context);
  return nextResolve(specifier, context);
}
