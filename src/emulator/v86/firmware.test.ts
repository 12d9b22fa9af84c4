import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { findFirmware, loadFirmware } from './firmware.js';
import { bootOrderOf } from '../common/device-plan.js';
import { v86BootOrder } from './media-config.js';

test('finds Debian SeaBIOS by default and loads it', async () => {
  const paths = findFirmware(undefined);
  assert.equal(paths.bios, '/usr/share/seabios/bios.bin');
  assert.equal(paths.vgaBios, '/usr/share/seabios/vgabios-stdvga.bin');
  const loaded = await loadFirmware(paths);
  assert.ok(loaded.bios.byteLength >= 128 * 1024);
  assert.ok(loaded.vgaBios.byteLength >= 16 * 1024);
});

test('configured firmware paths win and are checked', () => {
  const paths = findFirmware({ biosPath: '/usr/share/seabios/bios-256k.bin', vgaBiosPath: '/usr/share/seabios/vgabios.bin' });
  assert.deepEqual(paths, { bios: '/usr/share/seabios/bios-256k.bin', vgaBios: '/usr/share/seabios/vgabios.bin' });
  assert.throws(() => findFirmware({ biosPath: '/nonexistent/bios.bin' }), /configured biosPath \/nonexistent\/bios.bin does not exist/);
});

test('no firmware found names the Debian package to install', () => {
  const empty = mkdtempSync(join(tmpdir(), 'hangar-fw-'));
  try {
    assert.throws(() => findFirmware(undefined, [empty]), /Install the Debian package "seabios"/);
  } finally {
    rmSync(empty, { recursive: true, force: true });
  }
});

test('boot order packs SeaBIOS device numbers, first device lowest', () => {
  assert.equal(v86BootOrder(bootOrderOf(undefined)), 0x123);
  assert.equal(v86BootOrder(bootOrderOf(['floppy', 'disk', 'cdrom'])), 0x321);
  assert.equal(v86BootOrder(bootOrderOf(['disk'])), 0x2);
  assert.equal(v86BootOrder(bootOrderOf(['disk', 'disk', 'cdrom'])), 0x32);
});
