/**
 * Engine protocol conformance, written against the protocol only (QMP over the engine's UNIX
 * socket), so every backend in backends.ts must pass it unchanged. Boots Debian's
 * grub-rescue-cdrom.iso once per backend.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { PNG } from 'pngjs';
import type { EngineProcess } from '../support/engine-process.js';
import { startEngine } from '../support/engine-process.js';
import type { QmpClient } from '../support/qmp-client.js';
import { QmpCommandError } from '../support/qmp-client.js';
import { conformanceBackends, engineArguments, grubRescueCdrom } from './backends.js';

interface ScreenText {
  mode: string;
  width: number;
  height: number;
  cols: number;
  rows: number;
  lines: string[];
}

async function poll<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

const isError = (errorClass: string, pattern?: RegExp) => (error: unknown) =>
  error instanceof QmpCommandError && error.errorClass === errorClass && (!pattern || pattern.test(error.desc));

for (const backend of conformanceBackends) {
  describe(`engine protocol conformance: ${backend}`, { timeout: 240_000 }, () => {
    let engine: EngineProcess;
    let client: QmpClient;
    let shots = 0;
    const screenText = async (): Promise<ScreenText> => (await client.execute('query-screen-text')) as ScreenText;
    const waitForText = (pattern: RegExp, timeoutMs = 60_000): Promise<ScreenText> =>
      poll(`screen text ${pattern}`, timeoutMs, async () => {
        const screen = await screenText();
        return screen.lines.some((line) => pattern.test(line)) ? screen : undefined;
      });
    const screendump = async (): Promise<PNG> => {
      const filename = join(engine.dir, `shot-${shots++}.png`);
      await client.execute('screendump', { filename });
      return PNG.sync.read(readFileSync(filename));
    };
    const promptLine = async (): Promise<string> => [...(await screenText()).lines].reverse().find((line) => line.includes('grub>')) ?? '';
    /** Types a GRUB command, checks it arrived intact (a busy guest can drop keys), then presses Enter. */
    const grubCommand = async (command: string, waitForPrompt = true): Promise<void> => {
      for (let attempt = 0; ; attempt++) {
        await client.execute('input-type-text', { text: command, 'delay-ms': 20 });
        const typed = await poll(`"${command}" at the GRUB prompt`, 10_000, async () =>
          (await promptLine()).endsWith(`grub> ${command}`) ? true : undefined,
        ).catch((error: unknown) => {
          if (attempt >= 2) throw error;
          return false;
        });
        if (typed) break;
        await client.execute('send-key', { keys: [{ type: 'qcode', data: 'ctrl' }, { type: 'qcode', data: 'u' }] });
      }
      await client.execute('send-key', { keys: [{ type: 'qcode', data: 'ret' }] });
      if (waitForPrompt) await poll('a fresh GRUB prompt', 30_000, async () => ((await promptLine()).trim() === 'grub>' ? true : undefined));
    };
    const status = async (): Promise<string> => ((await client.execute('query-status')) as { status: string }).status;

    before(async () => {
      engine = await startEngine({ engine: backend, memoryMib: 64, cdrom: grubRescueCdrom, args: [...engineArguments[backend]] });
      client = engine.client;
    });
    after(async () => {
      await engine?.stop();
    });

    test('greeting and capabilities negotiation', async () => {
      const raw = await engine.connect({ negotiate: false });
      try {
        const greeting = raw.greeting as { QMP: { version: { qemu: Record<string, number> }; capabilities: unknown[] } };
        for (const part of ['major', 'minor', 'micro']) assert.equal(typeof greeting.QMP.version.qemu[part], 'number');
        assert.ok(Array.isArray(greeting.QMP.capabilities));
        const early = await raw.request({ execute: 'query-status', id: 7 });
        assert.equal(early.error?.class, 'CommandNotFound');
        assert.equal(early.id, 7);
        assert.deepEqual(await raw.request({ execute: 'qmp_capabilities', id: 'n' }), { return: {}, id: 'n' });
        const again = await raw.request({ execute: 'qmp_capabilities' });
        assert.equal(again.error?.class, 'CommandNotFound');
      } finally {
        raw.close();
      }
    });

    test('query-commands, query-version, query-status', async () => {
      const names = ((await client.execute('query-commands')) as { name: string }[]).map((entry) => entry.name);
      for (const name of ['qmp_capabilities', 'query-commands', 'query-status', 'quit', 'stop', 'cont', 'system_reset', 'screendump', 'query-screen-text', 'input-send-event', 'send-key']) {
        assert.ok(names.includes(name), `query-commands lists ${name}`);
      }
      const version = (await client.execute('query-version')) as { qemu: { major: number }; package: string };
      assert.equal(typeof version.qemu.major, 'number');
      assert.equal(typeof version.package, 'string');
      assert.deepEqual(await client.execute('query-status'), { status: 'running', running: true });
    });

    test('bad input gets error replies with the id echoed', async () => {
      await assert.rejects(client.execute('no-such-command'), isError('CommandNotFound'));
      await assert.rejects(client.execute('screendump', { filename: 42 }), isError('GenericError', /filename/));
      await assert.rejects(client.execute('stop', { extra: 1 }), isError('GenericError', /extra/));
      const reply = await client.request({ execute: 'query-status', arguments: [], id: [1] });
      assert.equal(reply.error?.class, 'GenericError');
      assert.deepEqual(reply.id, [1]);
      client.sendRaw('{"execute": "query-status",, }\n');
      assert.equal((await client.nextReply()).error?.class, 'GenericError');
      client.sendRaw('not json at all\n');
      // As in QEMU, each word is a keyword token of its own: one error per word.
      for (const word of ['not', 'json', 'at', 'all']) assert.match((await client.nextReply()).error?.desc ?? '', new RegExp(`'${word}'`));
      client.sendRaw(`{"execute":"query-status","arguments":{"x":"${'a'.repeat(2 * 1024 * 1024)}"}}\n`);
      assert.match((await client.nextReply()).error?.desc ?? '', /exceeds/);
      assert.equal(await status(), 'running');
    });

    test("GRUB's menu text appears in query-screen-text", async () => {
      // GRUB draws its header first, then the entries, then the highlight and the footer.
      const screen = await poll('the whole GRUB menu', 60_000, async () => {
        const text = await screenText();
        const joined = text.lines.join('\n');
        return /GNU\/Linux/.test(joined) && /executed automatically|Press enter to boot/.test(joined) ? text : undefined;
      });
      assert.equal(screen.mode, 'text');
      assert.ok(screen.lines.some((line) => line.includes('GNU GRUB')));
    });

    test('a Down key moves the highlight', async () => {
      const screen = await screenText();
      const rowHeight = screen.height / screen.rows;
      const first = screen.lines.findIndex((line) => line.includes('GNU/Linux'));
      assert.ok(first > 0);
      const rowPixels = (png: PNG, row: number): Buffer =>
        Buffer.from(png.data.subarray(row * rowHeight * png.width * 4, (row + 1) * rowHeight * png.width * 4));
      const before = await screendump();
      await client.execute('send-key', { keys: [{ type: 'qcode', data: 'down' }] });
      const afterShot = await poll('the highlight to move', 30_000, async () => {
        const shot = await screendump();
        return rowPixels(shot, first + 1).equals(rowPixels(before, first + 1)) ? undefined : shot;
      });
      assert.ok(!rowPixels(afterShot, first).equals(rowPixels(before, first)), 'the first entry lost the highlight');
    });

    test('GRUB command line switches to an 800x600 graphics mode; screendump shows it', async () => {
      await client.execute('input-type-text', { text: 'c' });
      await waitForText(/grub>/);
      await grubCommand('insmod all_video');
      await grubCommand('set gfxmode=800x600');
      await grubCommand('terminal_output gfxterm', false);
      await poll('an 800x600 graphics mode', 60_000, async () => {
        const screen = await screenText();
        return screen.mode === 'graphics' && screen.width === 800 && screen.height === 600 ? screen : undefined;
      });
      const shot = await poll('a non-uniform 800x600 screendump', 30_000, async () => {
        const png = await screendump();
        if (png.width !== 800 || png.height !== 600) return undefined;
        const first = png.data.readUInt32BE(0);
        for (let offset = 4; offset < png.data.length; offset += 4) if (png.data.readUInt32BE(offset) !== first) return png;
        return undefined;
      });
      assert.equal(shot.width, 800);
    });

    test('stop, cont and system_reset change the status and emit events', async () => {
      let mark = client.events.length;
      await client.execute('stop');
      await client.waitForEvent('STOP', 10_000, undefined, mark);
      assert.equal(await status(), 'paused');
      await client.execute('stop'); // pausing a paused guest succeeds
      mark = client.events.length;
      await client.execute('cont');
      await client.waitForEvent('RESUME', 10_000, undefined, mark);
      assert.equal(await status(), 'running');
      mark = client.events.length;
      await client.execute('system_reset');
      const reset = await client.waitForEvent('RESET', 10_000, undefined, mark);
      assert.equal(reset.data.guest, false);
      assert.equal(await status(), 'running');
      await waitForText(/GNU\/Linux/);
    });

    test('a guest power-off gives SHUTDOWN and status shutdown; cont is then WrongState', async () => {
      await client.execute('send-key', { keys: [{ type: 'qcode', data: 'down' }] });
      await client.execute('input-type-text', { text: 'c' });
      await waitForText(/grub>/);
      const mark = client.events.length;
      await grubCommand('halt', false);
      const shutdown = await client.waitForEvent('SHUTDOWN', 60_000, undefined, mark);
      assert.equal(shutdown.data.guest, true);
      assert.equal(await status(), 'shutdown');
      await assert.rejects(client.execute('cont'), isError('WrongState'));
      const resetMark = client.events.length;
      await client.execute('system_reset');
      await client.waitForEvent('RESET', 10_000, undefined, resetMark);
    });

    test('quit answers, then the engine exits and removes its socket', async () => {
      assert.deepEqual(await client.request({ execute: 'quit', id: 'bye' }), { return: {}, id: 'bye' });
      assert.equal(await engine.exited, 0);
      const { existsSync } = await import('node:fs');
      assert.equal(existsSync(engine.socketPath), false);
    });
  });
}
