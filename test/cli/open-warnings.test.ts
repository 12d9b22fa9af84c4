/**
 * What opening the library fixes is shown (issue 12, C.11): the real `hangar` command on a
 * library whose database was made readable by others prints one "hangar: Tightened …" line on
 * stderr, once (the next command finds nothing to fix), and `library.status` answers the same
 * warnings through the API.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, test } from 'node:test';
import { HangarCore } from '../../src/main/core/hangar-core.js';

const bin = fileURLToPath(new URL('../../bin/hangar.js', import.meta.url));
const home = mkdtempSync(join(tmpdir(), 'hangar-open-warnings-'));
after(() => rmSync(home, { recursive: true, force: true }));

function hangar(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { env: { ...process.env, HANGAR_HOME: home }, timeout: 120_000, killSignal: 'SIGKILL' }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

const tightenedLines = (stderr: string): string[] => stderr.split('\n').filter((line) => line.includes('Tightened the permissions'));

test('hangar list shows, once, that open tightened a 0644 library file', { timeout: 300_000 }, async () => {
  const created = await hangar('create', 'warned', '--engine', 'v86', '--memory', '32');
  assert.equal(created.code, 0, created.stderr);
  const database = join(home, 'library.db');
  chmodSync(database, 0o644);

  const listed = await hangar('list');
  assert.equal(listed.code, 0, listed.stderr);
  assert.match(listed.stdout, /warned/);
  const lines = tightenedLines(listed.stderr);
  assert.equal(lines.length, 1, `one line says what was tightened; stderr: ${listed.stderr}`);
  assert.match(lines[0] ?? '', /^hangar: Tightened the permissions of \d+ entr(y|ies) in the library .*library\.db 644→600/);
  assert.equal(statSync(database).mode & 0o777, 0o600, 'the database is private again');

  const again = await hangar('list');
  assert.equal(again.code, 0, again.stderr);
  assert.deepEqual(tightenedLines(again.stderr), [], `nothing left to tighten, nothing said; stderr: ${again.stderr}`);
});

test('library.status answers the warnings of the open', { timeout: 120_000 }, async () => {
  chmodSync(join(home, 'library.db'), 0o644);
  const core = await HangarCore.open({ folder: home, controlSocket: false });
  try {
    const status = await core.api.call('library.status', {});
    assert.ok(status.ok, JSON.stringify(status));
    assert.equal(status.value.folder, home);
    assert.equal(status.value.warnings.filter((line) => line.startsWith('Tightened the permissions')).length, 1, JSON.stringify(status.value.warnings));
  } finally {
    await core.close();
  }
  const reopened = await HangarCore.open({ folder: home, controlSocket: false });
  try {
    const status = await reopened.api.call('library.status', {});
    assert.ok(status.ok, JSON.stringify(status));
    assert.deepEqual(status.value.warnings, [], 'a clean open has nothing to report');
  } finally {
    await reopened.close();
  }
});
