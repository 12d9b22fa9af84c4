/**
 * Names through the app API (issue 12, C.12): machine create and rename, snapshot take and
 * rename refuse path-like, option-like, control and bidi names with InvalidArgument and a clear
 * sentence, and a refused create leaves nothing behind (no machine, no media row, no folder).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { HangarCore } from '../../src/main/core/hangar-core.js';
import { coreCalls } from '../support/core-calls.js';

const cdrom = '/usr/lib/grub-rescue/grub-rescue-cdrom.iso';
const home = mkdtempSync(join(tmpdir(), 'hangar-names-'));
let core: HangarCore;
const { ok, failure } = coreCalls(() => core);

/** Names that must be refused, with what the message must say. */
export const badNames: readonly (readonly [string, RegExp])[] = [
  ['../../x', /cannot contain \//],
  ['a/b', /cannot contain \//],
  ['a\\b', /cannot contain \/ or \\/],
  ['..', /dots only/],
  ['-x', /cannot start with "-"/],
  ['tab\there', /a tab \(U\+0009\)/],
  ['bell\u0007', /U\+0007/],
  ['esc\u001b[2J', /escape character/],
  ['evil\u202Etxt.exe', /right-to-left override \(U\+202E\)/],
  ['iso\u2067late', /U\+2067/],
  ['zero\u200Bwidth', /zero-width space/],
  ['   ', /cannot be empty/],
];

before(async () => {
  core = await HangarCore.open({ folder: home, controlSocket: false });
});
after(async () => {
  await core?.close();
  rmSync(home, { recursive: true, force: true });
});

test('machines.create refuses bad names and saves nothing', async () => {
  for (const [name, message] of badNames) {
    const error = await failure('machines.create', { name, engine: 'v86', memoryMib: 32, cdrom, diskMib: 1 });
    assert.equal(error.class, 'InvalidArgument', JSON.stringify(name));
    assert.match(error.desc, message, JSON.stringify(name));
    assert.ok(!error.desc.includes('\u202E') && !error.desc.includes('\u001b'), 'the message does not carry the hostile characters');
  }
  const tooLong = await failure('machines.create', { name: 'x'.repeat(65), engine: 'v86', memoryMib: 32 });
  assert.match(tooLong.desc, /at most 64 characters/);
  assert.deepEqual(await ok('machines.list', {}), []);
  assert.deepEqual(await ok('media.list', {}), [], 'no media row was added for the refused machine');
  assert.deepEqual(readdirSync(join(home, 'machines')), []);
});

test('rename of machines and snapshots follows the same rule', async () => {
  const machine = await ok<{ id: string }>('machines.create', { name: '  Good  ', engine: 'v86', memoryMib: 32 });
  assert.equal((await ok<{ name: string }>('machines.get', { id: machine.id })).name, 'Good', 'trimmed');
  for (const [name, message] of badNames) {
    const error = await failure('machines.update', { id: machine.id, patch: { name } });
    assert.equal(error.class, 'InvalidArgument');
    assert.match(error.desc, message, JSON.stringify(name));
    const take = await failure('snapshots.take', { id: machine.id, name });
    assert.equal(take.class, 'InvalidArgument', `snapshots.take ${JSON.stringify(name)}: checked before anything else`);
  }
  assert.equal((await ok<{ name: string }>('machines.get', { id: machine.id })).name, 'Good');

  const snapshot = core.library.snapshots.take(machine.id, { name: 'First', engine: 'v86', engineVersion: 'test', state: Buffer.from('state') });
  for (const [name, message] of badNames) {
    const error = await failure('snapshots.update', { id: machine.id, snapshotId: snapshot.id, name });
    assert.equal(error.class, 'InvalidArgument');
    assert.match(error.desc, message, JSON.stringify(name));
  }
  assert.equal(core.library.snapshots.get(snapshot.id).name, 'First');
  assert.equal((await ok<{ name: string }>('snapshots.update', { id: machine.id, snapshotId: snapshot.id, name: ' Second ' })).name, 'Second');
});
