/**
 * The Linux test guest (scripts/build-test-guest.sh: Debian's i386 kernel + busybox initramfs)
 * boots on both engines through the real engine process and prints its marker lines on COM1,
 * then answers shell commands typed on COM1. Later suites (networking, shared folders, media
 * swaps) build on this guest, so the recipe is checked here on its own.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { conformanceBackends, engineArguments } from '../conformance/backends.js';
import type { EngineProcess } from '../support/engine-process.js';
import { startEngine } from '../support/engine-process.js';
import type { QmpClient } from '../support/qmp-client.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const guestFolder = join(root, 'test-artifacts', 'guest');
const guestIso = join(guestFolder, 'linux-test-guest.iso');

/** Collects COM1 output from SERIAL_OUTPUT events as text. */
function serialText(client: QmpClient): string {
  return client.events
    .filter((event) => event.event === 'SERIAL_OUTPUT')
    .map((event) => Buffer.from((event.data as { data: string }).data, 'base64').toString('latin1'))
    .join('');
}

async function waitForText(client: QmpClient, pattern: RegExp, timeoutMs: number, what: string): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const text = serialText(client);
    if (pattern.test(text)) return text;
    if (Date.now() > deadline) assert.fail(`${what}: no ${pattern} on COM1 within ${timeoutMs} ms; got:\n${text.slice(-2000)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

before(() => {
  // Cached: the script returns at once when the ISO matches the archive's packages.
  execFileSync('bash', [join(root, 'scripts', 'build-test-guest.sh'), guestFolder], { stdio: ['ignore', 'inherit', 'inherit'], timeout: 300_000 });
  assert.ok(existsSync(guestIso), `${guestIso} was not built`);
});

describe('Linux test guest', { concurrency: true }, () => {
  for (const backend of conformanceBackends) {
    describe(backend, { concurrency: false }, () => {
      let engine: EngineProcess | undefined;
      after(async () => engine?.stop());

      test('boots to its ready marker and runs a command typed on COM1', async () => {
        engine = await startEngine({ engine: backend, memoryMib: 256, cdrom: guestIso, args: [...engineArguments[backend]], timeoutMs: 120_000 });
        const booted = await waitForText(engine.client, /hangar-guest: ready/, 180_000, `${backend} boot`);
        assert.match(booted, /hangar-guest: booted[\s\S]*hangar-guest: net [^\n]*[\s\S]*hangar-guest: ready/);
        await waitForText(engine.client, /\/ # /, 30_000, `${backend} shell prompt`);
        await engine.client.execute('serial-write', { data: 'echo sum=$((40+2)); uname -m\n' });
        const answered = await waitForText(engine.client, /sum=42\s+i686/, 30_000, `${backend} shell answer`);
        assert.match(answered, /sum=42/);
      });

      test('keeps every PCI device with ACPI on (no hotplug ejection)', async () => {
        assert.ok(engine, 'the guest booted');
        // With ACPI on and the hotplug ports unanswered, Linux ejected every device in slot 3+.
        await engine.client.execute('serial-write', { data: 'sleep 3; echo PCI$((6*7)) $(cat /sys/bus/pci/devices/*/class) end\n' });
        const text = await waitForText(engine.client, /PCI42 [^\n]* end/, 30_000, `${backend} PCI classes`);
        const classes = /PCI42 ([^\n]*) end/.exec(text)?.[1]?.trim().split(/\s+/) ?? [];
        assert.ok(classes.some((value) => value.startsWith('0x0300')), `a VGA controller is present: ${classes.join(' ')}`);
        assert.ok(classes.some((value) => value.startsWith('0x0101')), `an IDE controller is present: ${classes.join(' ')}`);
      });

      test('a guest power-off is seen by the engine (ACPI S5)', async () => {
        assert.ok(engine, 'the guest booted');
        const since = engine.client.events.length;
        await engine.client.execute('serial-write', { data: 'poweroff -f\n' });
        const deadline = Date.now() + 60_000;
        while (!engine.client.events.slice(since).some((event) => event.event === 'SHUTDOWN')) {
          if (Date.now() > deadline) assert.fail(`${backend}: no SHUTDOWN event after poweroff -f`);
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
        assert.equal(((await engine.client.execute('query-status')) as { status: string }).status, 'shutdown');
      });
    });
  }
});
