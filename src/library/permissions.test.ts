import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { describePermissionFixes, tightenLibraryPermissions } from './permissions.js';

const root = mkdtempSync(join(tmpdir(), 'hangar-perms-'));
after(() => rmSync(root, { recursive: true, force: true }));

const mode = (path: string): number => statSync(path).mode & 0o7777;

test('tightens open folders to 0700 and files to 0600, leaves private and read-only ones and symlink targets alone', () => {
  const outside = join(root, 'outside.iso');
  const library = join(root, 'lib');
  mkdirSync(join(library, 'machines', 'm', 'disks'), { recursive: true, mode: 0o755 });
  chmodSync(library, 0o755);
  writeFileSync(join(library, 'library.db'), 'db', { mode: 0o644 });
  writeFileSync(join(library, 'machines', 'm', 'disks', 'disk.qcow2'), 'disk', { mode: 0o666 });
  writeFileSync(join(library, 'private'), 'x', { mode: 0o600 });
  writeFileSync(join(library, 'readonly'), 'x', { mode: 0o444 });
  writeFileSync(outside, 'iso', { mode: 0o644 });
  symlinkSync(outside, join(library, 'link.iso'));
  chmodSync(join(library, 'machines'), 0o750);
  chmodSync(join(library, 'machines', 'm'), 0o755);
  chmodSync(join(library, 'machines', 'm', 'disks'), 0o777);
  chmodSync(join(library, 'machines', 'm', 'disks', 'disk.qcow2'), 0o666);

  const { fixed, failed } = tightenLibraryPermissions(library);
  assert.deepEqual(failed, []);
  assert.deepEqual(
    fixed.map((fix) => [fix.path.slice(library.length) || '/', fix.from.toString(8), fix.to.toString(8)]).sort(),
    [
      ['/', '755', '700'],
      ['/library.db', '644', '600'],
      ['/machines', '750', '700'],
      ['/machines/m', '755', '700'],
      ['/machines/m/disks', '777', '700'],
      ['/machines/m/disks/disk.qcow2', '666', '600'],
      ['/readonly', '444', '400'],
    ].sort(),
  );
  assert.equal(mode(join(library, 'private')), 0o600);
  assert.equal(mode(join(library, 'readonly')), 0o400, 'a read-only file stays read-only');
  assert.equal(mode(outside), 0o644, 'a symlink\'s target outside the library is not changed');
  assert.deepEqual(tightenLibraryPermissions(library).fixed, [], 'a second walk finds nothing to fix');
  assert.match(describePermissionFixes(library, fixed), /Tightened the permissions of 7 entries .*755→700/);
});
