/**
 * What happens to running machines when the app quits (issue 7 §1: stop or save them as the
 * user chose; never orphan an engine). The choice is the app setting `app.quitAction`:
 * 'powerdown' (default: ACPI power button, then power off after `app.quitTimeoutSeconds`),
 * 'poweroff' (at once), or 'save' (take a snapshot with RAM, then power off; machines whose
 * snapshot fails get the power-down path). Whatever is left is stopped by HangarCore.close().
 */
import { isApiCommand } from '../../shared/protocol/api/index.js';
import type { ApiResult } from '../../shared/protocol/api/index.js';
import type { CoreEvent } from '../core/hangar-core.js';

export const quitActionKey = 'app.quitAction';
export const quitTimeoutKey = 'app.quitTimeoutSeconds';
export type QuitAction = 'powerdown' | 'poweroff' | 'save';
const defaultTimeoutSeconds = 20;

/** The core as the quit path uses it. */
export interface QuitCore {
  call(name: string, args: unknown): Promise<ApiResult<unknown>>;
  subscribe(listener: (event: CoreEvent) => void): () => void;
}

export interface QuitPlan {
  action: QuitAction;
  timeoutMs: number;
}

/** Reads the user's choice; unknown or missing values give the default. */
export async function readQuitPlan(core: QuitCore): Promise<QuitPlan> {
  const setting = async (key: string): Promise<unknown> => {
    const result = await core.call('settings.get', { key });
    return result.ok ? (result.value as { value: unknown }).value : undefined;
  };
  const action = await setting(quitActionKey);
  const seconds = await setting(quitTimeoutKey);
  return {
    action: action === 'poweroff' || action === 'save' ? action : 'powerdown',
    timeoutMs: (typeof seconds === 'number' && Number.isFinite(seconds) && seconds >= 0 && seconds <= 600 ? seconds : defaultTimeoutSeconds) * 1000,
  };
}

const liveStates = new Set(['starting', 'running', 'paused', 'shutdown']);

/** Stops (or saves) every running machine as planned; resolves when each one's engine has ended. */
export async function stopRunningMachines(core: QuitCore, plan: QuitPlan, log: (text: string) => void = () => undefined): Promise<void> {
  const list = await core.call('machines.list', {});
  if (!list.ok) return;
  const running = (list.value as { id: string; name: string; state: string }[]).filter((machine) => liveStates.has(machine.state));
  await Promise.all(running.map((machine) => stopOne(core, machine, plan, log)));
}

async function stopOne(core: QuitCore, machine: { id: string; name: string }, plan: QuitPlan, log: (text: string) => void): Promise<void> {
  const stopped = waitForStop(core, machine.id);
  try {
    if (plan.action === 'save') {
      if (isApiCommand('snapshots.take')) {
        const taken = await core.call('snapshots.take', { id: machine.id, name: `Saved on quit ${new Date().toISOString()}` });
        if (taken.ok) {
          await core.call('vm.poweroff', { id: machine.id });
          return;
        }
        log(`Could not save "${machine.name}" (${taken.error.desc}); shutting it down instead.`);
      } else log(`Saving machines on quit is not available in this version; shutting "${machine.name}" down instead.`);
    }
    if (plan.action !== 'poweroff') {
      const asked = await core.call('vm.powerdown', { id: machine.id });
      if (!asked.ok) log(`"${machine.name}" cannot be shut down by ACPI (${asked.error.desc}); powering it off.`);
      else if (await stopped.within(plan.timeoutMs)) return;
      else log(`"${machine.name}" did not shut down within ${Math.round(plan.timeoutMs / 1000)} s; powering it off.`);
    }
    await core.call('vm.poweroff', { id: machine.id });
  } finally {
    stopped.dispose();
  }
}

/** Watches MACHINE_STATE for the machine reaching stopped (or shutdown: the guest powered off). */
function waitForStop(core: QuitCore, id: string): { within(ms: number): Promise<boolean>; dispose(): void } {
  let done = false;
  let notify: (() => void) | undefined;
  const unsubscribe = core.subscribe((event) => {
    if (event.event !== 'MACHINE_STATE' || event.data.id !== id) return;
    if (event.data.state === 'stopped' || event.data.state === 'shutdown' || event.data.state === 'crashed') {
      done = true;
      notify?.();
    }
  });
  return {
    within(ms) {
      if (done) return Promise.resolve(true);
      return new Promise((resolve) => {
        const timer = setTimeout(() => resolve(done), ms);
        notify = () => {
          clearTimeout(timer);
          resolve(true);
        };
      });
    },
    dispose: unsubscribe,
  };
}
