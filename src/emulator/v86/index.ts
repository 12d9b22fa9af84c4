/**
 * The v86 backend: the v86 WASM emulator running inside the engine process.
 */
import type { BackendFactory, EngineBackend } from '../backend.js';
import { planDevices } from '../common/device-plan.js';
import { installDisplayCommands } from './display-commands.js';
import { findFirmware, loadFirmware } from './firmware.js';
import { installInput } from './input.js';
import { installNetwork } from './network.js';
import { installNoClipboardAgent } from './no-clipboard-agent.js';
import { V86Machine, v86Version } from './machine.js';
import { addConfiguredMedia } from './media-config.js';
import { installPciHotplug } from './pci-hotplug.js';
import { installPower } from './power.js';
import { installShares } from './shares.js';
import { V86Screen } from './screen.js';
import { SliceBound } from './slice-bound.js';
import { installStorageFeatures } from './storage-features.js';

export { V86Machine } from './machine.js';
export { V86Screen } from './screen.js';
export { SliceBound } from './slice-bound.js';

/**
 * Hooks that other v86 modules (disks, media, snapshots, speed, serial) run on a machine before
 * it starts; see READY in this folder.
 */
export type V86Module = (machine: V86Machine) => void | Promise<void>;

const extraModules: V86Module[] = [];

/** Registers a module every new v86 machine installs (before its emulator is created). */
export function registerV86Module(module: V86Module): void {
  extraModules.push(module);
}

/**
 * Builds a machine with every module installed, without starting it (tests and benchmarks use
 * this to look at internals).
 */
export async function prepareV86Machine(
  config: Parameters<BackendFactory>[0],
  host: Parameters<BackendFactory>[1],
  modules: readonly V86Module[] = extraModules,
): Promise<{ machine: V86Machine; screen: () => V86Screen; sliceBound: () => SliceBound }> {
  const plan = planDevices(config);
  const machine = new V86Machine(config, host);
  if (plan.cpus > 1) host.log(`v86 emulates a single CPU; the setting of ${plan.cpus} CPUs is ignored.`);
  const firmware = await loadFirmware(findFirmware(config.options));
  machine.addOptions({ bios: { buffer: firmware.bios }, vga_bios: { buffer: firmware.vgaBios } });
  await addConfiguredMedia(machine, plan);
  let screen: V86Screen | undefined;
  const getScreen = (): V86Screen => {
    if (!screen) throw new Error('The v86 screen is not ready yet.');
    return screen;
  };
  let sliceBound: SliceBound | undefined;
  machine.onCreated((emulator) => {
    screen = new V86Screen(emulator, (message) => host.display(message), host.displayCopiesPixels === true, host);
    screen.start();
    // Without it, a guest repainting VGA memory back to back starves the display timer and commands.
    sliceBound = new SliceBound(emulator);
  });
  machine.onDispose(() => screen?.dispose());
  installPower(machine);
  installPciHotplug(machine);
  installNetwork(machine);
  installShares(machine);
  installInput(machine);
  installDisplayCommands(machine, getScreen);
  machine.addHandlers({
    'query-engine': () => ({
      engine: 'v86',
      version: v86Version(),
      accelerator: 'v86-jit',
      'clipboard-agent': false,
      'memory-mib': config.memoryMib,
    }),
    'query-version': () => ({ qemu: { major: 0, minor: 1, micro: 0 }, package: `v86 ${v86Version()}` }),
  });
  installNoClipboardAgent(machine);
  installStorageFeatures(machine);
  for (const module of modules) await module(machine);
  const getSliceBound = (): SliceBound => {
    if (!sliceBound) throw new Error('The v86 slice bound is not ready yet.');
    return sliceBound;
  };
  return { machine, screen: getScreen, sliceBound: getSliceBound };
}

/** Creates and starts the v86 backend. */
export const createV86Backend: BackendFactory = async (config, host) => {
  const { machine, screen } = await prepareV86Machine(config, host);
  try {
    await machine.start();
  } catch (error) {
    await machine.dispose();
    throw error;
  }
  const backend: EngineBackend = {
    kind: 'v86',
    handlers: machine.handlers,
    status: () => machine.status(),
    replayDisplay: (send) => screen().replay(send),
    dispose: () => machine.dispose(),
  };
  return backend;
};
