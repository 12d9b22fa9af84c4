/**
 * `hangar list`, `show` and `create` name the OS ("Debian 11"), not its osinfo id (a URL); a
 * machine created from a Debian 11 i386 installer ISO (built with xorriso) is detected as such.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { hangarCli } from '../support/hangar-cli.js';

const home = mkdtempSync(join(tmpdir(), 'hangar-osnames-'));
after(() => rmSync(home, { recursive: true, force: true }));
const { hangar, expectOk } = hangarCli(home, { timeoutMs: 90_000 });

test('list, show and create print OS names, not osinfo URLs', async () => {
  const content = join(home, 'content');
  mkdirSync(content);
  writeFileSync(join(content, 'README.TXT'), 'netinst');
  const iso = join(home, 'debian-11.7.0-i386-netinst.iso');
  execFileSync('xorriso', ['-as', 'mkisofs', '-V', 'Debian 11.7.0 i386 n', '-o', iso, content], { stdio: 'pipe' });

  const created = await expectOk('create', 'Bullseye', '--engine', 'v86', '--memory', '512', '--cdrom', iso);
  assert.match(created.stdout, /OS Debian 11\.$/m);
  await expectOk('create', 'Plain', '--engine', 'v86', '--memory', '64', '--os', 'other');

  const listed = (await expectOk('list')).stdout;
  assert.match(listed, /Bullseye\s+v86\s+512 MiB\s+stopped\s+Debian 11$/m);
  assert.match(listed, /Plain\s+v86\s+64 MiB\s+stopped\s+Other$/m);
  assert.doesNotMatch(listed, /http:\/\//);
  // The JSON keeps the id: scripts compare ids, people read names.
  const json = JSON.parse((await expectOk('list', '--json')).stdout) as { name: string; osId: string }[];
  assert.equal(json.find((machine) => machine.name === 'Bullseye')?.osId, 'http://debian.org/debian/11');

  const shown = (await expectOk('show', 'Bullseye')).stdout;
  assert.match(shown, /^osId:\s+http:\/\/debian\.org\/debian\/11$/m);
  assert.match(shown, /^os:\s+Debian 11$/m);
  assert.equal((await hangar('show', 'nobody')).code, 3);
});
