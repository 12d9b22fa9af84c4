/**
 * `hangar qemu` and `hangar qemu recheck` ("Try KVM again", API qemu.host / qemu.recheck) with the
 * real command against a temp library and a temp XDG cache holding the QEMU host state: the
 * remembered KVM failure and its reason are shown; recheck forgets it and chooses afresh with
 * the real probe path (on a host without /dev/kvm the fresh answer is TCG with that reason, and
 * nothing new is remembered). A failure learnt under another kernel is not shown at all.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, test } from 'node:test';
import { kvmDeviceUsable } from '../../src/node/kvm-check.js';
import { findQemuBinary } from '../../src/node/qemu-binary.js';
import { hostFingerprint, hostStatePath, readHostState, writeHostState } from '../../src/node/qemu-host-state.js';

const bin = fileURLToPath(new URL('../../bin/hangar.js', import.meta.url));
const home = mkdtempSync(join(tmpdir(), 'hangar-cli-qemu-'));
const cache = mkdtempSync(join(tmpdir(), 'hangar-cli-qemu-cache-'));
after(() => {
  rmSync(home, { recursive: true, force: true });
  rmSync(cache, { recursive: true, force: true });
});
/** The file the app and the engine share: $XDG_CACHE_HOME/hangar/qemu-host.json. */
const statePath = hostStatePath(join(cache, 'hangar'));

function hangar(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { env: { ...process.env, HANGAR_HOME: home, XDG_CACHE_HOME: cache }, timeout: 120_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

test('hangar qemu shows a remembered KVM failure with its reason; recheck forgets it and chooses again', async () => {
  const binary = findQemuBinary();
  writeHostState(statePath, { kvmUnusable: { reason: 'a probe guest did not finish within 8000 ms under kvm (too slow)', at: '2026-12-01T10:00:00.000Z', fingerprint: hostFingerprint(binary) } });
  const status = await hangar('qemu');
  assert.equal(status.code, 0, status.stderr);
  assert.match(status.stdout, new RegExp(`QEMU: ${binary}`));
  assert.match(status.stdout, /KVM was found unusable \(2026-12-01T10:00:00.000Z\): a probe guest did not finish within 8000 ms under kvm \(too slow\)/);
  assert.match(status.stdout, /hangar qemu recheck/);

  const recheck = await hangar('qemu', 'recheck', '--json');
  assert.equal(recheck.code, 0, recheck.stderr);
  const answer = JSON.parse(recheck.stdout) as { accelerator: string; reason?: string; forgotten?: string };
  assert.equal(answer.forgotten, 'a probe guest did not finish within 8000 ms under kvm (too slow)');
  if (kvmDeviceUsable()) {
    // A host with KVM ran the probe: either it works now, or the new failure is remembered with today's fingerprint.
    assert.ok(answer.accelerator === 'kvm' || readHostState(statePath).kvmUnusable?.fingerprint !== undefined, recheck.stdout);
  } else {
    assert.deepEqual(answer, { accelerator: 'tcg', reason: '/dev/kvm is missing or not accessible to this user (add it to the kvm group)', forgotten: answer.forgotten });
    assert.equal(readHostState(statePath).kvmUnusable, undefined, 'the failure is forgotten');
    const after = await hangar('qemu');
    assert.doesNotMatch(after.stdout, /found unusable/);
    assert.match(after.stdout, /\/dev\/kvm: missing or not accessible/);
  }
});

test('a KVM failure learnt under another kernel is dropped, not shown', async () => {
  writeHostState(statePath, { kvmUnusable: { reason: 'old kernel', at: '2026-01-01T00:00:00.000Z', fingerprint: hostFingerprint(findQemuBinary(), 'some-older-kernel') } });
  const status = await hangar('qemu', '--json');
  assert.equal(status.code, 0, status.stderr);
  assert.equal((JSON.parse(status.stdout) as { kvmUnusable?: unknown }).kvmUnusable, undefined);
  assert.ok(existsSync(statePath));
  assert.equal(readHostState(statePath).kvmUnusable, undefined, 'dropped from the file too');
});

test('usage errors', async () => {
  const wrong = await hangar('qemu', 'reboot');
  assert.equal(wrong.code, 2);
  assert.match(wrong.stderr, /qemu takes "status" or "recheck"/);
});
