/** The wizard's answers become a createMachine request: boot order from the medium, the medium in the right drive, defaults for the rest. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRequest } from './create-request.js';
import type { NewMachineRequest } from './create-request.js';

const answers: NewMachineRequest = {
  name: 'DOS', engine: 'v86', memoryMiB: 32, cpus: 1, diskMiB: 64, mediaId: 'm1', mediaPath: '/isos/dos.iso', mediaKind: 'cdrom', osId: null, startAfterCreate: false, serialConsole: true,
};

test('a CD boots first and goes in the CD drive; unknown OS is "other"', () => {
  const request = createRequest(answers);
  assert.deepEqual(request, {
    config: {
      name: 'DOS', osId: 'other', engine: 'v86', memoryMiB: 32, cpus: 1, bootOrder: ['cdrom', 'disk'], forceTcg: false, speedLimitMips: 0, displayDevice: 'std', scaling: 'fit', drives: [],
      serial: 'console', clipboard: 'off', network: { mode: 'nat', model: 'auto', mac: '', connected: true, forwards: [] }, shares: [],
    },
    diskMiB: 64,
    cdromPath: '/isos/dos.iso',
  });
});

test('a floppy boots first and goes in the floppy drive; without media the disk boots first', () => {
  const floppy = createRequest({ ...answers, mediaKind: 'floppy', mediaPath: '/isos/dos.img', osId: 'msdos6', serialConsole: false });
  assert.deepEqual(floppy.config.bootOrder, ['floppy', 'disk']);
  assert.equal(floppy.floppyPath, '/isos/dos.img');
  assert.equal(floppy.cdromPath, undefined);
  assert.equal(floppy.config.osId, 'msdos6');
  assert.equal(floppy.config.serial, 'off');
  const none = createRequest({ ...answers, mediaId: null, mediaKind: null, mediaPath: null, diskMiB: 0 });
  assert.deepEqual(none.config.bootOrder, ['disk', 'cdrom']);
  assert.equal(none.cdromPath, undefined);
  assert.equal(none.floppyPath, undefined);
  assert.equal(none.diskMiB, 0);
});

test('a new machine gets NAT with the engine\'s own card and the cable in; the library makes its MAC', () => {
  for (const engine of ['v86', 'qemu'] as const) {
    assert.deepEqual(createRequest({ ...answers, engine }).config.network, { mode: 'nat', model: 'auto', mac: '', connected: true, forwards: [] });
  }
});
