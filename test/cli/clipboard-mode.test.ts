/**
 * The shared clipboard is offered per engine: v86 has no clipboard agent, so a clipboard mode
 * other than off is refused for a v86 machine with what works instead (create, modify, and the
 * API's vm.clipboard-mode), while QEMU takes every mode. The real `hangar` against a temp library.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, test } from 'node:test';

const bin = fileURLToPath(new URL('../../bin/hangar.js', import.meta.url));
const home = mkdtempSync(join(tmpdir(), 'hangar-cli-clipboard-'));
after(() => rmSync(home, { recursive: true, force: true }));

function hangar(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { env: { ...process.env, HANGAR_HOME: home }, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

test('v86 machines only take the clipboard mode off; QEMU machines take every mode', async () => {
  const created = await hangar('create', 'Small', '--engine', 'v86', '--memory', '32');
  assert.equal(created.code, 0, created.stderr);
  const refused = await hangar('modify', 'Small', '--clipboard', 'bidirectional');
  assert.equal(refused.code, 1, refused.stdout);
  assert.match(refused.stderr, /v86 has no clipboard agent, so "Small" can only have the shared clipboard off\. Without an agent, type text into the guest/);
  assert.match(refused.stderr, /NotSupported/);
  assert.equal((await hangar('modify', 'Small', '--clipboard', 'off')).code, 0);

  const qemu = await hangar('create', 'Big', '--engine', 'qemu', '--memory', '64');
  assert.equal(qemu.code, 0, qemu.stderr);
  const shared = await hangar('modify', 'Big', '--clipboard', 'bidirectional');
  assert.equal(shared.code, 0, shared.stderr);
  const listed = JSON.parse((await hangar('show', 'Big', '--json')).stdout) as { clipboardMode?: string };
  assert.equal(listed.clipboardMode, 'bidirectional');
});
