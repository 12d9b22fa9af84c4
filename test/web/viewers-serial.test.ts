/**
 * One real v86 grub-rescue guest behind the web shell: every display viewer gets the whole
 * current screen first (a second socket opened later, a closed-then-reopened one), closing all
 * viewers never stops the guest; the serial console through the API (SERIAL_OUTPUT events,
 * vm.serial-backlog, vm.serial-write read back through GRUB's serial terminal); and
 * machines.set-drive on the running machine (the engine's medium changes with the stored drive).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { WebSocket } from 'ws';
import { HangarCore } from '../../src/main/core/hangar-core.js';
import type { CoreEvent } from '../../src/main/core/hangar-core.js';
import { startWebShell } from '../../src/main/web/index.js';
import type { WebShell } from '../../src/main/web/index.js';
import { decodeDisplayMessage } from '../../src/shared/protocol/display-codec.js';
import type { DisplayMessage } from '../../src/shared/protocol/display.js';
import { coreCalls } from '../support/core-calls.js';
import { until } from '../support/waiting.js';

const cdrom = '/usr/lib/grub-rescue/grub-rescue-cdrom.iso';
const home = mkdtempSync(join(tmpdir(), 'hangar-viewers-'));
let core: HangarCore;
let shell: WebShell;
let machineId = '';
const events: CoreEvent[] = [];

const { ok, failure } = coreCalls(() => core);

async function screen(): Promise<string> {
  const result = await core.call('vm.execute', { id: 'grub', command: 'query-screen-text' });
  return result.ok ? (result.value as { lines: string[] }).lines.join('\n') : '';
}

/**
 * Types a GRUB command robustly on a loaded machine (a guest starved of CPU can lose keys): typed,
 * checked on the prompt line, retyped after Ctrl+U if a key was lost, then entered.
 */
async function grubCommand(command: string): Promise<void> {
  const promptLine = async (): Promise<string> => [...(await screen()).split('\n')].reverse().find((line) => line.includes('grub>'))?.trimEnd() ?? '';
  for (let attempt = 0; attempt < 4; attempt++) {
    await ok('vm.execute', { id: 'grub', command: 'input-type-text', arguments: { text: command, 'delay-ms': 20 } });
    const typed = await until(async () => ((await promptLine()).endsWith(`grub> ${command}`) ? true : undefined), `"${command}" at the prompt`, 10_000).catch(() => false);
    if (typed) return void (await ok('vm.send-keys', { id: 'grub', keys: ['ret'] }));
    await ok('vm.send-keys', { id: 'grub', keys: ['ctrl', 'u'] });
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`could not type "${command}" at the GRUB prompt; prompt line: ${JSON.stringify(await promptLine())}`);
}

/** A display WebSocket and every message it got, decoded. */
class Viewer {
  readonly messages: DisplayMessage[] = [];
  constructor(readonly ws: WebSocket) {
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (isBinary) this.messages.push(decodeDisplayMessage(new Uint8Array(data)));
    });
  }

  static open(): Promise<Viewer> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(`ws://127.0.0.1:${shell.port}/display/grub?token=${shell.token}`);
      // Listen before 'open' resolves: the replay arrives right behind the handshake.
      const viewer = new Viewer(ws);
      ws.once('open', () => resolve(viewer));
      ws.once('unexpected-response', (_request, response) => reject(new Error(`display socket refused: ${response.statusCode}`)));
      ws.once('error', reject);
    });
  }

  /** The text screen as the messages so far draw it (rows of characters), or undefined before a text mode. */
  text(): string | undefined {
    let cols = 0;
    let rows: string[] | undefined;
    for (const message of this.messages) {
      if (message.type === 'mode') {
        if (message.mode !== 'text') rows = undefined;
        else {
          cols = message.cols;
          rows = new Array<string>(message.rows).fill(' '.repeat(cols));
        }
      } else if (message.type === 'text' && rows && message.cols === cols) {
        for (let row = 0; row < message.rowCount && message.row + row < rows.length; row++) {
          let line = '';
          for (let col = 0; col < cols; col++) line += String.fromCharCode((message.cells[(row * cols + col) * 3] ?? 32) & 0xff || 32);
          rows[message.row + row] = line;
        }
      }
    }
    return rows?.join('\n');
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (this.ws.readyState === this.ws.CLOSED) return resolve();
      this.ws.once('close', () => resolve());
      this.ws.close();
    });
  }
}

before(async () => {
  core = await HangarCore.open({ folder: join(home, 'library') });
  core.subscribe((event) => events.push(event));
  shell = await startWebShell({ core, rendererDir: join(home, 'no-renderer') });
  machineId = (await ok<{ id: string }>('machines.create', { name: 'grub', engine: 'v86', memoryMib: 32, osId: 'grub', cdrom })).id;
  await ok('vm.start', { id: 'grub' });
});

after(async () => {
  await shell?.close();
  await core?.close();
  rmSync(home, { recursive: true, force: true });
});

test('every display viewer gets the whole current screen first; closing all viewers keeps the guest running', async () => {
  const first = await Viewer.open();
  await until(() => (first.text()?.includes('GNU GRUB') ? true : undefined), 'the GRUB menu on the first viewer');
  await until(async () => ((await screen()).includes('GNU GRUB') ? true : undefined), 'the GRUB menu in the engine');

  // A second viewer, opened once the screen is drawn: a full screen (mode first, then every row).
  const second = await Viewer.open();
  await until(() => (second.text()?.includes('GNU GRUB') ? true : undefined), 'the GRUB menu on the second viewer', 10_000);
  assert.equal(second.messages[0]?.type, 'mode', 'the replay starts with the mode');
  assert.ok(second.messages.some((message) => message.type === 'text' && message.row === 0 && message.rowCount > 1), 'the whole screen comes in one piece');
  assert.ok(second.messages.some((message) => message.type === 'font'), 'the guest font is replayed');
  assert.ok(first.text()?.includes('GNU GRUB'), 'the first viewer still has the screen');

  // Closed and reopened: drawn again at once.
  await second.close();
  const reopened = await Viewer.open();
  await until(() => (reopened.text()?.includes('GNU GRUB') ? true : undefined), 'the GRUB menu on a reopened viewer', 10_000);
  assert.equal(reopened.messages[0]?.type, 'mode');

  // No viewer at all: the guest runs on, and the next viewer still gets the screen.
  await first.close();
  await reopened.close();
  await new Promise((resolve) => setTimeout(resolve, 500));
  assert.equal(core.supervisor.status(machineId).state, 'running');
  assert.equal((await ok<{ running: boolean }>('vm.status', { id: 'grub' })).running, true);
  const later = await Viewer.open();
  try {
    await until(() => (later.text()?.includes('GNU GRUB') ? true : undefined), 'the GRUB menu on a viewer opened after all closed', 10_000);
  } finally {
    await later.close();
  }
});

test('serial console: SERIAL_OUTPUT events, the backlog, and serial-write input read back from GRUB', async () => {
  assert.equal((await ok<{ data: string }>('vm.serial-backlog', { id: 'grub' })).data, '', 'nothing written to COM1 yet');
  // 'c' at the menu opens GRUB's command line (typed again if the key was lost).
  await until(async () => {
    if ((await screen()).includes('grub>')) return true;
    await ok('vm.type-text', { id: 'grub', text: 'c' });
    await new Promise((resolve) => setTimeout(resolve, 1000));
    return undefined;
  }, 'the GRUB prompt');
  for (const command of ['serial --unit=0 --speed=115200', 'terminal_output --append serial', 'terminal_input --append serial', 'echo from-guest']) await grubCommand(command);
  const serialText = (): string =>
    events
      .filter((event) => event.event === 'SERIAL_OUTPUT')
      .map((event) => {
        assert.equal((event.data as { id: string }).id, machineId);
        return Buffer.from((event.data as { data: string }).data, 'base64').toString('latin1');
      })
      .join('');
  // GRUB's serial terminal echoes typed keys one by one between cursor moves, so a command's
  // output is the only place its text appears contiguous.
  await until(() => (serialText().includes('from-guest') ? true : undefined), 'from-guest in SERIAL_OUTPUT events', 30_000);
  const backlog = (): Promise<string> => ok<{ data: string }>('vm.serial-backlog', { id: 'grub' }).then((value) => Buffer.from(value.data, 'base64').toString('latin1'));
  assert.ok((await backlog()).includes('from-guest'), 'the backlog holds what the events carried');
  assert.ok(!serialText().includes('from-host'));

  assert.deepEqual(await ok('vm.serial-write', { id: 'grub', data: 'echo from-host\r' }), { written: 15 });
  await until(() => (serialText().includes('from-host') ? true : undefined), 'GRUB to run the command written to COM1', 30_000);
  await until(async () => ((await screen()).includes('\nfrom-host') ? true : undefined), 'the serial command\'s output on the screen too', 30_000);
  const encoded = Buffer.from('echo base64-in\r').toString('base64');
  assert.deepEqual(await ok('vm.serial-write', { id: 'grub', data: encoded, format: 'base64' }), { written: 15 });
  await until(() => (serialText().includes('base64-in') ? true : undefined), 'GRUB to run the base64 command', 30_000);
  assert.ok((await backlog()).includes('base64-in'));

  assert.equal((await failure('vm.serial-write', { id: 'grub', data: 'not base64!', format: 'base64' })).class, 'InvalidArgument');
  assert.equal((await failure('vm.serial-write', { id: 'nobody', data: 'x' })).class, 'NotFound');
  assert.equal((await failure('vm.serial-backlog', { id: 'nobody' })).class, 'NotFound');
});

test('machines.set-drive on a running machine changes the engine\'s medium with the stored drive', async () => {
  const image = join(home, 'data.img');
  writeFileSync(image, Buffer.alloc(1474560, 0xf6));
  const block = async (): Promise<Record<string, { inserted?: { file: string } }>> => {
    const devices = await ok<{ qdev: string; inserted?: { file: string } }[]>('vm.execute', { id: 'grub', command: 'query-block' });
    return Object.fromEntries(devices.map((device) => [device.qdev, device]));
  };
  assert.equal((await block()).fd0?.inserted, undefined);

  const inserted = await ok<{ drives: { fd0: string | null } }>('machines.set-drive', { id: 'grub', slot: 'fd0', path: image });
  assert.ok(inserted.drives.fd0, 'the drive row holds the media');
  assert.equal((await block()).fd0?.inserted?.file, image, 'the running engine has the floppy');
  assert.equal((await ok<{ path: string }[]>('media.list', {})).some((media) => media.path === image), true, 'the file joined the media library');

  // A bad file is refused before anything changes.
  assert.equal((await failure('machines.set-drive', { id: 'grub', slot: 'fd0', path: join(home, 'missing.img') })).class, 'InvalidArgument');
  assert.equal((await block()).fd0?.inserted?.file, image);
  assert.equal((await ok<{ drives: { fd0: string | null } }>('machines.get', { id: 'grub' })).drives.fd0, inserted.drives.fd0);

  const ejected = await ok<{ drives: { fd0: string | null; cd0: string | null } }>('machines.set-drive', { id: 'grub', slot: 'fd0', path: null });
  assert.equal(ejected.drives.fd0, null);
  assert.equal((await block()).fd0?.inserted, undefined, 'the running engine ejected it');
  // Emptying an empty drive is fine; the CD goes back in by media id.
  await ok('machines.set-drive', { id: 'grub', slot: 'fd0', path: null });
  const cdMedia = ejected.drives.cd0;
  assert.ok(cdMedia);
  await ok('machines.set-drive', { id: 'grub', slot: 'cd0', path: null });
  assert.equal((await block()).cd0?.inserted, undefined);
  await ok('machines.set-drive', { id: 'grub', slot: 'cd0', path: cdMedia });
  assert.equal((await block()).cd0?.inserted?.file, cdrom);
  assert.equal(core.supervisor.status(machineId).state, 'running');
});
