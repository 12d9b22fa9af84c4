/**
 * Bad machine and snapshot names through the `hangar` command (issue 12, C.12): each is a usage
 * error (exit 2) with the shared rule's sentence, and nothing is saved: no machine, no media row,
 * no machine folder, no rename.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { hangarCli } from '../support/hangar-cli.js';

const home = mkdtempSync(join(tmpdir(), 'hangar-cli-names-'));
const cdrom = '/usr/lib/grub-rescue/grub-rescue-cdrom.iso';
after(() => rmSync(home, { recursive: true, force: true }));

const { hangar } = hangarCli(home, { timeoutMs: 60_000 });

const badNames: readonly (readonly [string, RegExp])[] = [
  ['../../x', /cannot contain \//],
  ['a/b', /cannot contain \//],
  ['-x', /cannot start with "-"/],
  ['..', /dots only/],
  ['tab\there', /a tab \(U\+0009\)/],
  ['esc\u001b[2J', /escape character \(U\+001B\)/],
  ['evil\u202Etxt.exe', /right-to-left override \(U\+202E\)/],
  ['pop\u2069', /U\+2069/],
  ['x'.repeat(65), /at most 64 characters/],
];

test('create, modify --name and snapshot take refuse bad names with exit 2 and save nothing', async () => {
  for (const [name, message] of badNames) {
    const created = await hangar('create', name, '--engine', 'v86', '--memory', '32', '--cdrom', cdrom, '--disk', '1M');
    assert.equal(created.code, 2, `${JSON.stringify(name)}: ${created.stderr}`);
    assert.match(created.stderr, message, JSON.stringify(name));
    assert.ok(!created.stderr.includes('\u202E') && !created.stderr.includes('\u001b'), 'the hostile characters are not echoed to the terminal');
  }
  assert.deepEqual(JSON.parse((await hangar('list', '--json')).stdout), []);
  assert.deepEqual(JSON.parse((await hangar('media', 'list', '--json')).stdout), []);
  assert.deepEqual(readdirSync(join(home, 'machines')), []);

  assert.equal((await hangar('create', 'Named', '--engine', 'v86', '--memory', '32')).code, 0);
  for (const [name, message] of badNames) {
    const modified = await hangar('modify', 'Named', '--name', name);
    assert.equal(modified.code, 2, `${JSON.stringify(name)}: ${modified.stderr}`);
    assert.match(modified.stderr, message);
    // Snapshot names may be longer (200); every other rule is the same.
    if (name.length > 64) continue;
    const taken = await hangar('snapshot', 'Named', 'take', name);
    assert.equal(taken.code, 2, `snapshot take ${JSON.stringify(name)}: ${taken.stderr}`);
    assert.match(taken.stderr, message);
  }
  const listed = JSON.parse((await hangar('list', '--json')).stdout) as { name: string }[];
  assert.deepEqual(listed.map((machine) => machine.name), ['Named']);
});
