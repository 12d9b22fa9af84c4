/**
 * Speed limit and serial console on v86, with a boot sector (nasm, built at test time) that
 * runs a compute-bound loop, says "Hi" on COM1 and echoes every byte it receives, plus one.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { consoleSerialPort } from '../../src/shared/protocol/enums.js';
import { waitFor } from '../../src/emulator/v86/test-host.js';
import { startMachine } from './helpers.js';
import type { TestMachine } from './helpers.js';
import { buildSpinDisk, measureMips } from './spin-disk.js';

let dir: string;
let vm: TestMachine;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hangar-v86-speed-'));
  const disk = buildSpinDisk(dir);
  vm = await startMachine({ memoryMib: 16, disk, bootOrder: ['disk'], runtimeDir: dir, options: { speedLimitMips: 20 } });
});

after(async () => {
  await vm?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

function serialText(): string {
  return vm.host.events
    .filter((event) => event.name === 'SERIAL_OUTPUT')
    .map((event) => Buffer.from((event.data as { data: string }).data, 'base64').toString('latin1'))
    .join('');
}

test('COM1 output arrives as SERIAL_OUTPUT events and a byte stream; serial-write reaches the guest', async () => {
  await waitFor('"Hi" on COM1', () => (serialText().startsWith('Hi') ? true : undefined), 60_000);
  const event = vm.host.events.find((entry) => entry.name === 'SERIAL_OUTPUT');
  // The port is spelled as the engine protocol defines it (both engines: COM1), not v86's own 'com1'.
  assert.equal((event?.data as { port: string }).port, consoleSerialPort);
  const streamed: number[] = [];
  const detach = vm.features.serial.attach((bytes) => streamed.push(...bytes));
  assert.deepEqual(await vm.call('serial-write', { data: 'abc' }), { written: 3 });
  await waitFor('the echo', () => (serialText() === 'Hibcd' ? true : undefined), 30_000);
  assert.equal(Buffer.from(streamed).toString('latin1'), 'bcd');
  assert.deepEqual(await vm.call('serial-write', { data: Buffer.from([0x40]).toString('base64'), format: 'base64' }), { written: 1 });
  await waitFor('the base64 echo', () => (serialText() === 'HibcdA' ? true : undefined), 30_000);
  detach();
});

test('the engine option caps speed, set-speed-limit changes it within 15 %, 0 removes it', async () => {
  assert.equal((await vm.call<{ mips: number }>('query-speed-limit')).mips, 20);
  for (const mips of [20, 8, 40]) {
    assert.deepEqual(await vm.call('set-speed-limit', { mips }), { mips });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const measured = await measureMips(vm, 2500);
    assert.ok(Math.abs(measured - mips) / mips < 0.15, `limit ${mips} MIPS, measured ${measured.toFixed(1)}`);
  }
  const reported = await vm.call<{ mips: number; 'measured-mips'?: number }>('query-speed-limit');
  assert.equal(reported.mips, 40);
  assert.ok(reported['measured-mips'] !== undefined && Math.abs(reported['measured-mips'] - 40) / 40 < 0.25, `measured-mips ${reported['measured-mips']}`);
  await vm.call('set-speed-limit', { mips: 0 });
  await new Promise((resolve) => setTimeout(resolve, 300));
  const free = await measureMips(vm, 1500);
  // Above the highest limit's tolerance band: the cap is gone (a loaded host still manages this).
  assert.ok(free > 40 * 1.15, `unlimited runs faster than the limits (${free.toFixed(1)} MIPS)`);
});

test('guest clocks stay on wall-clock time under a speed limit', async () => {
  await vm.call('set-speed-limit', { mips: 10 });
  // The RTC (CMOS seconds) advances with the host clock, limit or not.
  const readSeconds = () => {
    const rtc = vm.machine.emulator.v86.cpu.devices['rtc'] as { rtc_time: number };
    return rtc.rtc_time;
  };
  const before = readSeconds();
  const start = Date.now();
  await new Promise((resolve) => setTimeout(resolve, 2000));
  const advanced = readSeconds() - before;
  const elapsed = Date.now() - start;
  assert.ok(Math.abs(advanced - elapsed) < 500, `RTC advanced ${advanced} ms in ${elapsed} ms`);
  await vm.call('set-speed-limit', { mips: 0 });
});
