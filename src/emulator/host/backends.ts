/**
 * The backend registry: engine name → factory, loaded on demand so one engine process only
 * loads the emulator it runs.
 */
import type { BackendFactory } from '../backend.js';

/** Engine names the host knows. */
export const backendNames = ['v86', 'qemu'] as const;
export type BackendName = (typeof backendNames)[number];

// Computed specifiers keep the typecheck independent of the backends' own modules.
const modules: Record<BackendName, { path: string; export: string }> = {
  v86: { path: '../v86/index.js', export: 'createV86Backend' },
  qemu: { path: '../qemu/index.js', export: 'createQemuBackend' },
};

/** Loads the factory of backend `name`; rejects with a clear message when it is unavailable. */
export async function loadBackend(name: string): Promise<BackendFactory> {
  if (!Object.hasOwn(modules, name)) throw new Error(`Unknown engine "${name}"; choose one of ${backendNames.join(', ')}.`);
  const entry = modules[name as BackendName];
  let loaded: Record<string, unknown>;
  try {
    const specifier: string = entry.path;
    loaded = (await import(specifier)) as Record<string, unknown>;
  } catch (error) {
    throw new Error(`The ${name} engine backend could not be loaded (${(error as Error).message}).`);
  }
  const factory = loaded[entry.export];
  if (typeof factory !== 'function') throw new Error(`The ${name} engine backend does not export ${entry.export}.`);
  return factory as BackendFactory;
}
