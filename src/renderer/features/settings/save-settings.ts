/**
 * Saving the settings editor's result through the API: changed CD/floppy media with
 * machines.set-drive (stopped or running alike), on a running machine changed port forwards and
 * the cable through vm.forward-remove/-add and vm.set-link (live in the engine and stored), the
 * rest with machines.update, and a new speed limit applied to a running engine at once. Used by
 * the manager and by the VM window.
 */
import type { ApiResult } from '../../platform/transport.js';
import type { DriveSlot, MachineConfig, MachineSummary, PortForward } from '../../platform/models.js';
import { forwardChanges } from './network-model.js';
import { changedSettings } from './settings-model.js';
import type { SettingsChange } from './settings-model.js';

/** The part of the API client saving uses (HangarClient has it). */
export interface SettingsApi {
  setDrive(id: string, slot: DriveSlot, path: string | null): Promise<ApiResult<unknown>>;
  updateMachine(id: string, before: MachineConfig, after: MachineConfig): Promise<ApiResult<unknown>>;
  speedLimit(id: string, mips: number): Promise<ApiResult<unknown>>;
  addForward(id: string, forward: PortForward): Promise<ApiResult<unknown>>;
  removeForward(id: string, forward: Pick<PortForward, 'protocol' | 'hostAddress' | 'hostPort'>): Promise<ApiResult<unknown>>;
  setLink(id: string, up: boolean): Promise<ApiResult<unknown>>;
}

/**
 * Applies changed forwards and the cable to a running machine (each call also stores the
 * change); answers the first failure (the core's sentence names the forward).
 */
async function applyLiveNetwork(client: SettingsApi, machine: MachineSummary, after: MachineConfig): Promise<ApiResult<unknown>> {
  const before = machine.config.network;
  const { removed, added } = forwardChanges(before.forwards, after.network.forwards);
  for (const forward of removed) {
    const result = await client.removeForward(machine.id, forward);
    if (!result.ok) return result;
  }
  for (const forward of added) {
    const result = await client.addForward(machine.id, forward);
    if (!result.ok) return result;
  }
  if (after.network.connected !== before.connected) {
    const result = await client.setLink(machine.id, after.network.connected);
    if (!result.ok) return { ok: false, error: { class: result.error.class, desc: `The network cable: ${result.error.desc}` } };
  }
  return { ok: true, value: {} };
}

/** The removable drives whose medium differs between `before` and `after`, with the new path (null = empty). */
export function driveChanges(before: MachineConfig, after: MachineConfig): { slot: DriveSlot; path: string | null }[] {
  const changes: { slot: DriveSlot; path: string | null }[] = [];
  for (const drive of after.drives) {
    if (drive.id !== 'cd0' && drive.id !== 'fd0') continue;
    const old = before.drives.find((d) => d.id === drive.id);
    if ((old?.path ?? null) !== (drive.path ?? null)) changes.push({ slot: drive.id, path: drive.path ?? null });
  }
  return changes;
}

/** Saves `after` for `machine`; answers with the changes that wait for a power cycle. */
export async function saveMachineSettings(client: SettingsApi, machine: MachineSummary, after: MachineConfig): Promise<ApiResult<{ later: SettingsChange[] }>> {
  const before = machine.config;
  const running = machine.state === 'running' || machine.state === 'paused';
  // Media first: a bad file is the likeliest problem, and it stops before anything else changes.
  for (const { slot, path } of driveChanges(before, after)) {
    const result = await client.setDrive(machine.id, slot, path);
    if (!result.ok) return { ok: false, error: { class: result.error.class, desc: `${slot === 'cd0' ? 'CD/DVD' : 'Floppy'} drive: ${result.error.desc}` } };
  }
  // A running engine gets forwards and the cable at once; what it refuses (a busy port) is not stored.
  const live = running && before.network.mode !== 'none';
  if (live) {
    const applied = await applyLiveNetwork(client, machine, after);
    if (!applied.ok) return applied;
  }
  const stored = live ? { ...after, network: { ...after.network, forwards: before.network.forwards, connected: before.network.connected } } : after;
  const result = await client.updateMachine(machine.id, before, { ...stored, drives: before.drives });
  if (!result.ok) return result;
  if (running && after.speedLimitMips !== before.speedLimitMips) {
    const limited = await client.speedLimit(machine.id, after.speedLimitMips);
    if (!limited.ok) return limited;
  }
  return { ok: true, value: { later: running ? changedSettings(before, after).filter((change) => change.needsPowerCycle) : [] } };
}
