/**
 * Maps the module specifier `electron` to the Electron STAND-IN (electron-stand-in.ts) for the
 * rest of this test process, through a Node module-resolution hook. Call it before importing
 * the shell's entry or the preload.
 */
import { register } from 'node:module';
import { pathToFileURL } from 'node:url';

export const standInUrl = pathToFileURL(new URL('./electron-stand-in.ts', import.meta.url).pathname).href;

let registered = false;

/** Registers the hook once. */
export function useElectronStandIn(): void {
  if (registered) return;
  registered = true;
  const hooks = `
    export async function resolve(specifier, context, next) {
      if (specifier === 'electron') return { url: ${JSON.stringify(standInUrl)}, shortCircuit: true };
      return next(specifier, context);
    }`;
  register(`data:text/javascript,${encodeURIComponent(hooks)}`);
}
