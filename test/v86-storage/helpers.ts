/**
 * Shared helpers for the v86 storage suites: a v86 machine with a recording host, command
 * calls by name, screen text, job waits.
 */
import assert from 'node:assert/strict';
import type { MachineConfig } from '../../src/emulator/backend.js';
import { prepareV86Machine } from '../../src/emulator/v86/index.js';
import type { V86Machine } from '../../src/emulator/v86/machine.js';
import type { StorageFeatures } from '../../src/emulator/v86/storage-features.js';
import { storageFeaturesOf } from '../../src/emulator/v86/storage-features.js';
import { RecordingHost, waitFor } from '../../src/emulator/v86/test-host.js';

export const ISO = '/usr/lib/grub-rescue/grub-rescue-cdrom.iso';
export const FLOPPY = '/usr/lib/grub-rescue/grub-rescue-floppy.img';

export interface TestMachine {
  readonly machine: V86Machine;
  readonly host: RecordingHost;
  readonly features: StorageFeatures;
  call<T = Record<string, unknown>>(name: string, args?: unknown): Promise<T>;
  lines(): Promise<string[]>;
  waitForText(what: string, match: (screen: string) => boolean, timeoutMs?: number): Promise<string>;
  runJob(type: 'snapshot-save' | 'snapshot-load' | 'snapshot-delete', tag: string): Promise<{ status: string; error?: string }>;
  dispose(): Promise<void>;
}

let jobCounter = 0;

/** Starts a v86 machine with the storage features and a recording host. */
export async function startMachine(config: Omit<MachineConfig, 'engine'>): Promise<TestMachine> {
  const host = new RecordingHost();
  host.keepMessages = false;
  const { machine } = await prepareV86Machine({ engine: 'v86', ...config }, host);
  try {
    await machine.start();
  } catch (error) {
    await machine.dispose();
    throw error;
  }
  const features = storageFeaturesOf(machine);
  assert.ok(features, 'storage features installed');
  const call = async <T>(name: string, args: unknown = {}): Promise<T> => {
    const handler = (machine.handlers as Record<string, ((args: unknown) => unknown) | undefined>)[name];
    assert.ok(handler, `no handler for ${name}`);
    return (await handler(args)) as T;
  };
  const lines = async () => (await call<{ lines: string[] }>('query-screen-text')).lines;
  return {
    machine,
    host,
    features,
    call,
    lines,
    waitForText: (what, match, timeoutMs = 60_000) =>
      waitFor(what, async () => {
        const text = (await lines()).join('\n');
        return match(text) ? text : undefined;
      }, timeoutMs),
    runJob: async (type, tag) => {
      const id = `job-${++jobCounter}`;
      await call(type, { 'job-id': id, tag });
      const job = await waitFor(`${type} ${tag}`, async () => {
        const jobs = await call<{ id: string; status: string; error?: string }[]>('query-jobs');
        const found = jobs.find((entry) => entry.id === id);
        return found?.status === 'concluded' ? found : undefined;
      }, 120_000, 50);
      await call('job-dismiss', { id });
      return job;
    },
    dispose: () => machine.dispose(),
  };
}
