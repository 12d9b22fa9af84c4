/**
 * A stand-in for Electron's preload bridge (`window.hangar`, src/shared/bridge.ts) on the
 * component-test page: it answers API calls from one in-memory machine and records every call,
 * so tests drive the real VmPage through the Electron path (keyboard capture, menu commands,
 * native file chooser, bridge clipboard) in Chromium. Not part of the app.
 */
import type { BridgeEvent, HangarBridge, MediaFileKind, MenuCommand } from '../../shared/bridge.js';
import { displayPortMessageType } from '../../shared/bridge.js';
import { encodeDisplayMessage } from '../../shared/protocol/display-codec.js';
import type { ApiResult } from '../../shared/protocol/api/index.js';

/** What a test reads and drives on the fake bridge (window.hangarBridge). */
export interface FakeBridgeControl {
  /** Every call in order: API calls by name, and the bridge's own functions. */
  readonly calls: { name: string; args: unknown }[];
  /** Picks an application-menu command, as Electron's menu would. */
  menu(command: MenuCommand): void;
  /** Pushes an API event. */
  event(event: BridgeEvent): void;
}

declare global {
  interface Window {
    hangarBridge: FakeBridgeControl;
  }
}

/** The file the fake native dialog "chooses". */
export const CHOSEN_FILE = '/chosen/other-disc.iso';

/** Installs a fake bridge as `window.hangar` with one running machine `vm1` ("Electron VM"); returns its control. */
export function installFakeBridge(options: { serialEnabled: boolean; backlog: string }): FakeBridgeControl {
  const calls: { name: string; args: unknown }[] = [];
  const menuListeners = new Set<(command: MenuCommand) => void>();
  const eventListeners = new Set<(event: BridgeEvent) => void>();
  const media: { id: string; path: string; kind: string; sizeBytes: number; present: boolean }[] = [{ id: 'm1', path: '/isos/grub.iso', kind: 'iso', sizeBytes: 5e6, present: true }];
  const machine = {
    id: 'vm1', name: 'Electron VM', osId: 'other', engine: 'v86', state: 'running', memoryMib: 32, cpus: 1, bootOrder: ['cdrom'], displayDevice: 'std',
    clipboardMode: 'off', serialEnabled: options.serialEnabled, speedLimitMips: 0, disks: [], drives: { cd0: 'm1' as string | null, fd0: null as string | null },
  };
  const ok = <T,>(value: T): Promise<ApiResult<T>> => Promise.resolve({ ok: true, value });
  const record = (name: string, args: unknown): void => void calls.push({ name, args: JSON.parse(JSON.stringify(args ?? null)) as unknown });
  const answer = (name: string, raw: unknown): unknown => {
    const args = (raw ?? {}) as Record<string, unknown>;
    switch (name) {
      case 'machines.get':
        return machine;
      case 'machines.list':
        return [machine];
      case 'media.list':
        return media;
      case 'engines.query':
        return { v86Available: true, qemuAvailable: false };
      case 'vm.screenshot':
      case 'vm.thumbnail':
        // Answers match the API schema: the client checks every reply.
        return { png: '' };
      case 'folders.list':
      case 'os.list':
        return [];
      case 'snapshots.list':
        return { snapshots: [], currentId: null };
      case 'media.add': {
        const row = { id: `m${media.length + 1}`, path: String(args.path), kind: 'iso', sizeBytes: 1, present: true };
        media.push(row);
        return row;
      }
      case 'settings.get':
        return { key: args.key, value: null };
      case 'vm.serial-backlog':
        return { data: btoa(options.backlog) };
      case 'vm.serial-write':
        return { written: String(args.data ?? '').length };
      case 'vm.execute':
        return args.command === 'query-screen-text' ? { mode: 'text', lines: [] } : {};
      case 'machines.set-drive': {
        const slot = args.slot === 'fd0' ? 'fd0' : 'cd0';
        if (args.path === null) machine.drives[slot] = null;
        else {
          const id = `m${media.length + 1}`;
          media.push({ id, path: String(args.path), kind: slot === 'cd0' ? 'iso' : 'floppy', sizeBytes: 1, present: true });
          machine.drives[slot] = id;
        }
        return machine;
      }
      default:
        return {};
    }
  };
  const bridge: HangarBridge = {
    platform: 'linux',
    call(name, args) {
      record(name, args);
      return ok(answer(name, args));
    },
    onEvent(listener) {
      eventListeners.add(listener);
      return () => eventListeners.delete(listener);
    },
    openDisplay(id, token) {
      record('bridge.openDisplay', { id });
      // A port as main hands it over: a text screen first, then input events come back on it.
      const channel = new MessageChannel();
      channel.port1.onmessage = (message) => record('display.input', message.data);
      window.postMessage({ type: displayPortMessageType, token }, '*', [channel.port2]);
      const cells: number[] = [];
      for (let col = 0; col < 80; col++) cells.push('ELECTRON'.charCodeAt(col) || 0x20, 0xaaaaaa, 0);
      channel.port1.postMessage(encodeDisplayMessage({ type: 'mode', mode: 'text', cols: 80, rows: 25, width: 720, height: 400 }));
      channel.port1.postMessage(encodeDisplayMessage({ type: 'text', row: 0, rowCount: 1, cols: 80, cells: Uint32Array.from(cells) }));
      return ok({ token });
    },
    openVmWindow(id) {
      record('bridge.openVmWindow', { id });
      return ok({ windowId: 2 });
    },
    readClipboardText() {
      record('bridge.readClipboardText', null);
      return ok('dir\n');
    },
    writeClipboardText(text) {
      record('bridge.writeClipboardText', { text });
      return ok({});
    },
    chooseMediaFile(kind?: MediaFileKind) {
      record('bridge.chooseMediaFile', { kind });
      return ok(CHOSEN_FILE);
    },
    setFullScreen(on) {
      record('bridge.setFullScreen', { on });
      return ok({ fullScreen: on ?? true });
    },
    setKeyboardCaptured(captured) {
      record('bridge.setKeyboardCaptured', { captured });
      return ok({ captured });
    },
    onMenuCommand(listener) {
      menuListeners.add(listener);
      return () => menuListeners.delete(listener);
    },
  };
  window.hangar = bridge;
  const control: FakeBridgeControl = {
    calls,
    menu: (command) => menuListeners.forEach((listener) => listener(command)),
    event: (event) => eventListeners.forEach((listener) => listener(event)),
  };
  window.hangarBridge = control;
  return control;
}
