/**
 * Accelerator choice and KVM fallback. The failure modes are provoked with a small wrapper
 * script in front of the real qemu-system-x86_64 (KVM itself cannot be made to fail on
 * demand): it runs the real QEMU, but under `-accel kvm` it either fails as KVM
 * initialisation does or lets QEMU start and then aborts it, as a broken KVM does. The KVM
 * device check is pointed at a stand-in file (named as such: `kvm-device-stand-in`), so every
 * fallback path runs whether or not this host has /dev/kvm; the probe guest itself runs on TCG
 * through the wrapper.
 */
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { EngineBackend } from '../../src/emulator/backend.js';
import { chooseAccelerator } from '../../src/emulator/qemu/accelerator.js';
import { buildArguments, icountPreset, socketPaths } from '../../src/emulator/qemu/arguments.js';
import { findQemuBinary } from '../../src/emulator/qemu/discovery.js';
import { hostFingerprint, hostStatePath, readHostState, writeHostState } from '../../src/emulator/qemu/host-state.js';
import { createQemuBackend } from '../../src/emulator/qemu/index.js';
import { RecordingHost, poll } from './recording-host.js';

const iso = '/usr/lib/grub-rescue/grub-rescue-cdrom.iso';

/** A wrapper: the probe (isa-debug-exit) passes on TCG; launches under KVM fail as `mode` says. */
function writeWrapper(folder: string, mode: 'init-failure' | 'early-abort'): string {
  const real = findQemuBinary();
  const path = join(folder, `qemu-${mode}`);
  const onKvm =
    mode === 'init-failure'
      ? 'echo "qemu-system-x86_64: -accel kvm: failed to initialize kvm: Operation not permitted" >&2; exit 1'
      : `args=(); for a in "$@"; do [ "$a" = kvm ] && a=tcg; args+=("$a"); done; "${real}" "\${args[@]}" & child=$!; sleep 2; kill -ABRT $child; wait $child; exit 134`;
  writeFileSync(
    path,
    `#!/bin/bash
if [[ " $* " == *isa-debug-exit* ]]; then
  args=(); for a in "$@"; do [ "$a" = kvm ] && a=tcg; args+=("$a"); done; exec "${real}" "\${args[@]}"
fi
if [[ " $* " == *" -accel kvm "* ]]; then
  ${onKvm}
fi
exec "${real}" "$@"
`,
  );
  chmodSync(path, 0o755);
  return path;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const call = (backend: EngineBackend, name: string): Promise<any> => (backend.handlers as Record<string, (args: object) => Promise<unknown>>)[name]!({});

describe('QEMU accelerator choice and KVM fallback', () => {
  let folder: string;
  const backends: EngineBackend[] = [];

  /** A readable and writable file standing in for /dev/kvm (the wrapper plays KVM's part). */
  let kvmDevice: string;

  before(() => {
    folder = mkdtempSync(join(tmpdir(), 'hangar-qemu-accel-'));
    chmodSync(folder, 0o700);
    kvmDevice = join(folder, 'kvm-device-stand-in');
    writeFileSync(kvmDevice, '', { mode: 0o600 });
  });

  after(async () => {
    for (const backend of backends) await backend.dispose();
    rmSync(folder, { recursive: true, force: true });
  });

  it('forces TCG when asked, and goes straight to TCG on a host remembered as KVM-unusable', async () => {
    const statePath = hostStatePath(join(folder, 'remembered'));
    assert.deepEqual(await chooseAccelerator(findQemuBinary(), 'tcg', statePath), { accelerator: 'tcg', reason: 'TCG was chosen in the machine settings' });
    writeHostState(statePath, { kvmUnusable: { reason: 'test', at: new Date().toISOString(), fingerprint: hostFingerprint(findQemuBinary()) } });
    const started = Date.now();
    const choice = await chooseAccelerator(findQemuBinary(), 'auto', statePath, kvmDevice);
    assert.equal(choice.accelerator, 'tcg');
    assert.equal(choice.reason, 'KVM was found unusable on this host: test');
    assert.ok(Date.now() - started < 1000, 'no probe run');
    // Learnt under another kernel: forgotten, and KVM is probed again (the stand-in device has no
    // KVM behind it, so the fresh probe fails and is remembered with today's fingerprint).
    writeHostState(statePath, { kvmUnusable: { reason: 'test', at: new Date().toISOString(), fingerprint: hostFingerprint(findQemuBinary(), 'another-kernel') } });
    const again = await chooseAccelerator(findQemuBinary(), 'auto', statePath, kvmDevice);
    assert.equal(again.accelerator, 'tcg');
    assert.match(String(again.reason), /^KVM is unusable on this host: a probe guest failed under kvm/);
    assert.equal(readHostState(statePath).kvmUnusable?.fingerprint?.kernel, hostFingerprint(findQemuBinary()).kernel);
    const missing = await chooseAccelerator(findQemuBinary(), 'auto', hostStatePath(join(folder, 'fresh')), join(folder, 'no-such-kvm'));
    assert.deepEqual(missing, { accelerator: 'tcg', reason: '/dev/kvm is missing or not accessible to this user (add it to the kvm group)' });
  });

  it('relaunches on TCG when QEMU fails to initialise KVM, remembers it and reports it', async () => {
    const stateDir = join(folder, 'init');
    const host = new RecordingHost();
    const runtimeDir = mkdtempSync(join(folder, 'run-'));
    const backend = await createQemuBackend(
      { engine: 'qemu', memoryMib: 64, cdrom: iso, runtimeDir, options: { qemuPath: writeWrapper(folder, 'init-failure'), hostStateDir: stateDir, kvmDevice } },
      host,
    );
    backends.push(backend);
    const engine = (await call(backend, 'query-engine')) as { accelerator: string; 'accelerator-reason'?: string };
    assert.equal(engine.accelerator, 'tcg');
    // The reason travels with the engine's description, for the status bar and the manager.
    assert.match(String(engine['accelerator-reason']), /failed to initialize kvm/);
    const report = host.events.find((event) => event.name === 'ENGINE_ERROR');
    assert.match(String(report?.data.reason), /failed to initialize kvm/);
    assert.equal(report?.data.fatal, false);
    assert.match(String(readHostState(hostStatePath(stateDir)).kvmUnusable?.reason), /failed to initialize kvm/);
    assert.equal(backend.status(), 'running');
  });

  it('relaunches on TCG when QEMU aborts soon after starting under KVM', async () => {
    const stateDir = join(folder, 'abort');
    const host = new RecordingHost();
    const runtimeDir = mkdtempSync(join(folder, 'run-'));
    const backend = await createQemuBackend(
      { engine: 'qemu', memoryMib: 64, cdrom: iso, runtimeDir, options: { qemuPath: writeWrapper(folder, 'early-abort'), hostStateDir: stateDir, kvmDevice } },
      host,
    );
    backends.push(backend);
    const report = await host.waitForEvent('ENGINE_ERROR', () => true, 60_000);
    assert.match(String(report.data.reason), /SIGABRT|code 134/);
    assert.equal(report.data.fatal, false);
    const accelerator = await poll(async () => {
      try {
        const engine = (await call(backend, 'query-engine')) as { accelerator: string };
        return engine.accelerator === 'tcg' && backend.status() === 'running' ? engine.accelerator : undefined;
      } catch {
        return undefined;
      }
    }, 60_000);
    assert.equal(accelerator, 'tcg');
    assert.ok(readHostState(hostStatePath(stateDir)).kvmUnusable !== undefined);
    // The guest runs again on TCG.
    const screen = await poll(async () => {
      try {
        const text = (await call(backend, 'query-screen-text')) as { lines: string[] };
        return text.lines.join('\n').includes('GNU GRUB') ? true : undefined;
      } catch {
        return undefined; // still restarting
      }
    }, 60_000);
    assert.ok(screen, `no GRUB screen: ${JSON.stringify(await call(backend, 'query-screen-text'))} ${host.logs.join('\n')}`);
    assert.ok(!host.events.some((event) => event.name === 'ENGINE_ERROR' && event.data.fatal === true));
  });

  it('builds -icount presets for a speed limit under TCG and refuses them under KVM', () => {
    assert.deepEqual(icountPreset(250), { shift: 2, mips: 250 });
    assert.deepEqual(icountPreset(130), { shift: 3, mips: 125 });
    const config = { engine: 'qemu' as const, memoryMib: 64, runtimeDir: folder };
    const base = { clipboard: false, display: 'std' as const, tablet: true };
    const args = buildArguments(config, socketPaths(folder), { ...base, accelerator: 'tcg', icount: { shift: 3, align: true } });
    assert.ok(args.join(' ').includes('-icount shift=3,sleep=on,align=on'));
    assert.throws(() => buildArguments(config, socketPaths(folder), { ...base, accelerator: 'kvm', icount: { shift: 3, align: true } }), /TCG/);
  });
});
