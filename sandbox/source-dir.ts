/**
 * The source folder of a sandbox module's directory. `npm start` runs the sandbox compiled under dist/, but
 * files that are not TypeScript (the page, the chart's RBAC copy) are read where they are kept, in sandbox/.
 */
export function sourceDir(moduleDir: string): string {
  return moduleDir.replace(/([\\/])dist([\\/])sandbox(?=[\\/]|$)/, '$1sandbox');
}
