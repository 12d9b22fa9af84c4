/**
 * A machine made from an install disc newer than the OS database keeps the disc's own OS name:
 * a Debian 12 ISO (built with xorriso, with a real Debian 12 installer's volume id) matches
 * Debian 11's osinfo entry, and the machine is shown as "Debian 12" in machines.list/get and by
 * `hangar list`, after the library is reopened too. Changing the OS id drops the name; a name can
 * be set or cleared through machines.update and is checked. Real core, real SQLite, real CLI.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import Database from 'better-sqlite3';
import { Library } from '../../src/library/index.js';
import { HangarCore } from '../../src/main/core/hangar-core.js';
import { coreCalls } from '../support/core-calls.js';
import { hangarCli } from '../support/hangar-cli.js';

const DEBIAN_11 = 'http://debian.org/debian/11';
const work = mkdtempSync(join(tmpdir(), 'hangar-os-name-'));
const home = join(work, 'home');
let core: HangarCore;
const { ok, failure } = coreCalls(() => core);

interface MachineRow {
  id: string;
  name: string;
  osId: string;
  osName?: string;
}

/** An ISO with a Debian 12 installer's volume id (newer than Debian's osinfo-db 0.20221130). */
function debian12Iso(): string {
  const content = join(work, 'iso-content');
  mkdirSync(join(content, '.disk'), { recursive: true });
  writeFileSync(join(content, '.disk', 'info'), 'Debian GNU/Linux 12.8.0 "Bookworm" - Official amd64 NETINST with firmware 20241109-11:04');
  const iso = join(work, 'debian-12.8.0-amd64-netinst.iso');
  execFileSync('xorriso', ['-as', 'mkisofs', '-V', 'Debian 12.8.0 amd64 n', '-o', iso, content], { stdio: 'pipe', timeout: 60_000 });
  return iso;
}

before(async () => {
  core = await HangarCore.open({ folder: home });
});
after(async () => {
  await core?.close();
  rmSync(work, { recursive: true, force: true });
});

test('a machine created from a Debian 12 disc is "Debian 12" (with Debian 11\'s osinfo id), also after a reopen', async () => {
  const iso = debian12Iso();
  const detected = (await ok('os.detect', { path: iso })) as { detection: { id: string; name: string; closestKnown: unknown } };
  assert.equal(detected.detection.id, DEBIAN_11, 'the premise: the OS database knows only Debian 11');
  assert.equal(detected.detection.name, 'Debian 12');
  const created = (await ok('machines.create', { name: 'Bookworm', engine: 'qemu', memoryMib: 64, osId: DEBIAN_11, cdrom: iso })) as MachineRow;
  assert.equal(created.osId, DEBIAN_11);
  assert.equal(created.osName, 'Debian 12');
  const listed = (await ok('machines.list', {})) as MachineRow[];
  assert.equal(listed.find((machine) => machine.id === created.id)?.osName, 'Debian 12');

  await core.close();
  core = await HangarCore.open({ folder: home });
  assert.equal(((await ok('machines.get', { id: created.id })) as MachineRow).osName, 'Debian 12', 'stored, not recomputed from the disc');
});

test('a disc the OS database knows exactly, or another OS chosen than the disc\'s, stores no name of its own', async () => {
  const iso = join(work, 'debian-12.8.0-amd64-netinst.iso');
  const other = (await ok('machines.create', { name: 'Chosen other', engine: 'qemu', memoryMib: 64, osId: 'other', cdrom: iso })) as MachineRow;
  assert.equal(other.osName, undefined, 'the user chose another OS than the one on the disc');
  const grub = (await ok('machines.create', { name: 'Rescue', engine: 'v86', memoryMib: 32, osId: 'grub', cdrom: '/usr/lib/grub-rescue/grub-rescue-cdrom.iso' })) as MachineRow;
  assert.equal(grub.osName, undefined);
});

test('changing the OS id drops the disc\'s name; a name can be set and cleared, and is checked', async () => {
  const machine = ((await ok('machines.list', {})) as MachineRow[]).find((row) => row.name === 'Bookworm')!;
  assert.equal(((await ok('machines.update', { id: machine.id, patch: { memoryMib: 128 } })) as MachineRow).osName, 'Debian 12', 'other changes keep it');
  const changed = (await ok('machines.update', { id: machine.id, patch: { osId: 'other' } })) as MachineRow;
  assert.equal(changed.osId, 'other');
  assert.equal(changed.osName, undefined);
  const named = (await ok('machines.update', { id: machine.id, patch: { osId: DEBIAN_11, osName: '  Debian 13  ' } })) as MachineRow;
  assert.equal(named.osName, 'Debian 13', 'trimmed');
  const refused = await failure('machines.update', { id: machine.id, patch: { osName: 'Debian\u0007' } });
  assert.match(refused.desc, /osName.*control characters/);
  assert.equal(((await ok('machines.update', { id: machine.id, patch: { osName: '' } })) as MachineRow).osName, undefined, 'empty: the database\'s name again');
});

test('`hangar list` shows the disc\'s name', async () => {
  const machine = ((await ok('machines.list', {})) as MachineRow[]).find((row) => row.name === 'Bookworm')!;
  await ok('machines.update', { id: machine.id, patch: { osName: 'Debian 12' } });
  await core.close();
  const output = (await hangarCli(home, { timeoutMs: 120_000 }).expectOk('list')).stdout;
  core = await HangarCore.open({ folder: home });
  const line = output.split('\n').find((row) => row.startsWith('Bookworm'));
  assert.ok(line, output);
  assert.match(line, /Debian 12\s*$/);
});

test('migration 6 takes a version-5 library forward: its machines keep everything and have no name of their own', async () => {
  const old = join(work, 'version-5');
  const first = await Library.open(old, { watch: false });
  let before: ReturnType<typeof first.machines.get>;
  try {
    before = first.machines.get(first.machines.create({ name: 'Old', osId: DEBIAN_11, engine: 'qemu', memoryMib: 512 }).id);
  } finally {
    await first.close();
  }
  // What version 5 wrote: no os_name column.
  const db = new Database(join(old, 'library.db'));
  db.exec('ALTER TABLE machines DROP COLUMN os_name');
  db.pragma('user_version = 5');
  db.close();
  const migrated = await Library.open(old, { watch: false });
  try {
    const { updatedAt: _after, ...now } = migrated.machines.get(before.id);
    const { updatedAt: _before, ...then } = before;
    assert.deepEqual(now, then);
    assert.equal(now.osName, null);
    assert.equal(migrated.machines.update(before.id, { osName: 'Debian 12' }).osName, 'Debian 12');
  } finally {
    await migrated.close();
  }
});
