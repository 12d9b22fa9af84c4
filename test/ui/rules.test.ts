/**
 * The renderer's plain rules, run under Node: wizard validation, settings changes, the snapshot
 * tree, scaling layout, key and pointer mapping, and text selection.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { changedSettings, validateSettings } from '../../src/renderer/features/settings/settings-model.js';
import { buildSnapshotTree, descendantIds, flattenSnapshotTree } from '../../src/renderer/features/snapshots/tree.js';
import { memoryWarning, nameProblem, recommendedEngine, recommendedHardware, validateHardware } from '../../src/renderer/features/wizard/validation.js';
import { computeLayout } from '../../src/renderer/features/display/scaling.js';
import { KeyboardCapture, keyComboEvents, keyInputEvent } from '../../src/renderer/features/display/keyboard.js';
import { absoluteAxis, relativeMoveEvents, wheelEvents } from '../../src/renderer/features/display/pointer.js';
import { regionText, screenText } from '../../src/renderer/features/display/text-selection.js';
import type { MachineConfig, SnapshotRow } from '../../src/renderer/platform/models.js';

const context = { existingNames: ['FreeDOS'], qemuAvailable: true };

test('machine names: non-empty, at most 64 characters, no slashes, unique', () => {
  assert.equal(nameProblem('Debian'), undefined);
  assert.match(nameProblem('   ') ?? '', /name/);
  assert.match(nameProblem('x'.repeat(65)) ?? '', /64/);
  assert.equal(nameProblem('x'.repeat(64)), undefined);
  assert.match(nameProblem('a/b') ?? '', /\//);
  assert.match(nameProblem('a\\b') ?? '', /\\/);
  assert.match(nameProblem('..') ?? '', /\.\./);
  assert.match(nameProblem('tab\there') ?? '', /control/);
  assert.match(nameProblem(' freedos ', ['FreeDOS']) ?? '', /already exists/);
  // The shared rule (src/shared/names.ts): no option-like or reordering names in the UI either.
  assert.match(nameProblem('-x') ?? '', /start with "-"/);
  assert.match(nameProblem('gpj\u202Eexe') ?? '', /U\+202E/);
});

test('wizard hardware ranges follow the engine', () => {
  const base = { name: 'VM', engine: 'v86' as const, memoryMiB: 128, cpus: 1, diskMiB: 512 };
  assert.deepEqual(validateHardware(base, context), {});
  assert.ok(validateHardware({ ...base, memoryMiB: 7 }, context).memoryMiB);
  assert.deepEqual(validateHardware({ ...base, memoryMiB: 8 }, context), {});
  assert.deepEqual(validateHardware({ ...base, memoryMiB: 2048 }, context), {});
  assert.match(validateHardware({ ...base, memoryMiB: 2049 }, context).memoryMiB ?? '', /8–2048 MiB/);
  assert.match(validateHardware({ ...base, cpus: 2 }, context).cpus ?? '', /exactly 1/);
  assert.ok(validateHardware({ ...base, memoryMiB: 1.5 }, context).memoryMiB);
  assert.ok(validateHardware({ ...base, memoryMiB: Number.NaN }, context).memoryMiB);
  assert.deepEqual(validateHardware({ ...base, diskMiB: 0 }, context), {}, 'no disk is allowed');
  const qemu = { ...base, engine: 'qemu' as const };
  assert.deepEqual(validateHardware({ ...qemu, memoryMiB: 65536, cpus: 64 }, context), {});
  assert.ok(validateHardware({ ...qemu, memoryMiB: 15 }, context).memoryMiB);
  assert.ok(validateHardware({ ...qemu, memoryMiB: 65537 }, context).memoryMiB);
  assert.ok(validateHardware({ ...qemu, cpus: 65 }, context).cpus);
  assert.ok(validateHardware({ ...qemu, cpus: 0 }, context).cpus);
  assert.match(validateHardware(qemu, { ...context, qemuAvailable: false }).engine ?? '', /not installed/);
  assert.match(validateHardware(base, { ...context, osBits: 64 }).engine ?? '', /64-bit/);
});

test('the recommended engine and hardware follow the OS', () => {
  const os = (bits: 16 | 32 | 64, recommendedMemoryMiB = 256) => ({ id: `os${bits}`, name: `OS${bits}`, bits, recommendedMemoryMiB, recommendedDiskMiB: 1024 });
  assert.equal(recommendedEngine(os(16), true).engine, 'v86');
  assert.equal(recommendedEngine(os(32), true).engine, 'v86');
  assert.equal(recommendedEngine(os(64), true).engine, 'qemu');
  // 64-bit guests cannot run on v86: QEMU stays proposed, and the engine error says to install it.
  assert.equal(recommendedEngine(os(64), false).engine, 'qemu');
  assert.match(validateHardware({ name: 'A', engine: 'qemu', memoryMiB: 1024, cpus: 1, diskMiB: 0 }, { ...context, qemuAvailable: false, osBits: 64 }).engine ?? '', /cannot run on v86.*Install qemu-system-x86/);
  // A large 32-bit guest runs on both; QEMU when installed, with a reason that is true for it.
  const i386 = { id: 'http://debian.org/debian/11', name: 'Debian 11', bits: 32 as const, arch: 'i686', family: 'linux', minimumMemoryMiB: 256, recommendedMemoryMiB: 1024, recommendedDiskMiB: 20480 };
  const large = recommendedEngine(i386, true);
  assert.equal(large.engine, 'qemu');
  assert.match(large.reason, /32-bit guest \(i686\), which both engines run/);
  assert.doesNotMatch(large.reason, /64-bit/);
  assert.equal(recommendedEngine(i386, false).engine, 'v86');
  assert.match(recommendedEngine(undefined, true).reason, /does not say whether this OS is 32- or 64-bit/);
  const debian = { id: 'debian12', name: 'Debian 12', bits: 64 as const, recommendedMemoryMiB: 4096, recommendedDiskMiB: 20480 };
  assert.deepEqual(recommendedHardware(debian, 'qemu'), { memoryMiB: 4096, cpus: 2, diskMiB: 20480 });
  assert.deepEqual(recommendedHardware(debian, 'v86'), { memoryMiB: 2048, cpus: 1, diskMiB: 20480 }, 'clamped to v86 limits');
  assert.equal(recommendedHardware({ ...debian, recommendedMemoryMiB: 4 }, 'v86').memoryMiB, 8);
});

test('an unknown OS gets 512 MiB, and memory below an OS minimum is warned about', () => {
  // 128 MiB made a Linux kernel panic: unknown OSes start at 512 MiB on both engines.
  assert.equal(recommendedHardware(undefined, 'v86').memoryMiB, 512);
  assert.ok(recommendedHardware(undefined, 'qemu').memoryMiB >= 512);
  assert.match(memoryWarning(128, undefined) ?? '', /Less than 256 MiB .*kernel panics/);
  assert.equal(memoryWarning(512, undefined), undefined);
  const debian = { id: 'debian11', name: 'Debian 11', minimumMemoryMiB: 256, recommendedMemoryMiB: 1024, recommendedDiskMiB: 20480 };
  assert.match(memoryWarning(200, debian) ?? '', /^Debian 11 needs at least 256 MiB/);
  assert.equal(memoryWarning(256, debian), undefined);
  assert.match(memoryWarning(64, { id: 'other', name: 'Other', minimumMemoryMiB: 256, recommendedMemoryMiB: 512, recommendedDiskMiB: 8192 }) ?? '', /Less than 256 MiB/);
});

const config: MachineConfig = {
  name: 'VM', osId: '', engine: 'qemu', memoryMiB: 512, cpus: 2, bootOrder: ['disk'], forceTcg: false, speedLimitMips: 0, shares: [],
  displayDevice: 'std', scaling: 'fit', drives: [], serial: 'off', clipboard: 'off',
  network: { mode: 'nat', model: 'auto', mac: '02:00:00:00:00:01', connected: true, forwards: [] },
};

test('settings: validation and which changes need a power cycle', () => {
  assert.deepEqual(validateSettings(config, [], true), {});
  assert.ok(validateSettings({ ...config, bootOrder: [] }, [], true).bootOrder);
  assert.ok(validateSettings({ ...config, bootOrder: ['disk', 'disk'] }, [], true).bootOrder);
  assert.ok(validateSettings({ ...config, engine: 'v86' }, [], true).cpus, 'v86 runs one CPU');
  assert.ok(validateSettings({ ...config, engine: 'v86', cpus: 1, forceTcg: true }, [], true).forceTcg);
  assert.ok(validateSettings({ ...config, engine: 'v86', cpus: 1, displayDevice: 'virtio' }, [], true).displayDevice);
  assert.ok(validateSettings({ ...config, speedLimitMips: -1 }, [], true).speedLimitMips);
  assert.ok(validateSettings({ ...config, name: 'Other' }, ['other'], true).name);
  assert.ok(validateSettings(config, [], false).engine);
  assert.deepEqual(changedSettings(config, config), []);
  assert.deepEqual(changedSettings(config, { ...config, memoryMiB: 1024, clipboard: 'bidirectional', name: 'New' }), [
    { field: 'name', needsPowerCycle: false },
    { field: 'memoryMiB', needsPowerCycle: true },
    // QEMU gets its clipboard channel at start (settings-model.test.ts).
    { field: 'clipboard', needsPowerCycle: true },
  ]);
});

const row = (id: string, parentId: string | null, createdAt: number): SnapshotRow => ({ id, parentId, name: id, description: '', createdAt, loadable: true });

test('snapshot tree: order, orphans, cycles and the current-state marker', () => {
  const rows = [row('b', 'a', 2), row('a', null, 1), row('c', 'a', 3), row('d', 'c', 4), row('orphan', 'gone', 5)];
  const flat = flattenSnapshotTree(buildSnapshotTree(rows, 'c'));
  assert.deepEqual(flat.map((n) => [n.key, n.depth]), [['a', 0], ['b', 1], ['c', 1], ['d', 2], ['current:c', 2], ['orphan', 0]]);
  const collapsed = flattenSnapshotTree(buildSnapshotTree(rows, 'c'), new Set(['c']));
  assert.deepEqual(collapsed.map((n) => n.key), ['a', 'b', 'c', 'orphan']);
  assert.deepEqual(flattenSnapshotTree(buildSnapshotTree([], null)).map((n) => n.key), ['current:']);
  assert.deepEqual(flattenSnapshotTree(buildSnapshotTree(rows, 'missing')).at(-1)?.key, 'current:', 'unknown current → root marker');
  const cyclic = [row('x', 'y', 1), row('y', 'x', 2)];
  const keys = flattenSnapshotTree(buildSnapshotTree(cyclic, null)).map((n) => n.key);
  assert.deepEqual(keys.sort(), ['current:', 'x', 'y'], 'a cycle still shows every snapshot once');
  assert.deepEqual(descendantIds(rows, 'c'), ['c', 'd']);
});

test('layout: fit, native and integer, on whole device pixels', () => {
  const base = { guestWidth: 640, guestHeight: 480, boxWidth: 1000, boxHeight: 1000, devicePixelRatio: 1 };
  assert.deepEqual(computeLayout({ ...base, mode: 'native' }), { cssWidth: 640, cssHeight: 480, scale: 1, smooth: false });
  assert.deepEqual(computeLayout({ ...base, mode: 'integer' }), { cssWidth: 640, cssHeight: 480, scale: 1, smooth: false });
  assert.equal(computeLayout({ ...base, mode: 'fit' }).cssWidth, 1000);
  assert.equal(computeLayout({ ...base, boxWidth: 300, mode: 'integer' }).scale, 1, 'integer never goes below 1');
  const hi = computeLayout({ ...base, devicePixelRatio: 1.25, mode: 'native' });
  assert.equal(hi.cssWidth * 1.25, 640);
  const fit = computeLayout({ ...base, boxWidth: 333, boxHeight: 333, devicePixelRatio: 1.5, mode: 'fit' });
  for (const css of [fit.cssWidth, fit.cssHeight]) assert.ok(Math.abs(css * 1.5 - Math.round(css * 1.5)) < 1e-9, `${css} CSS px is not whole device pixels`);
  assert.ok(fit.cssWidth <= 333 && fit.cssHeight <= 333);
  assert.deepEqual(computeLayout({ ...base, guestWidth: 0, mode: 'fit' }), { cssWidth: 0, cssHeight: 0, scale: 1, smooth: false });
});

test('keys, combos, pointer axes and wheel', () => {
  assert.deepEqual(keyInputEvent('KeyQ', true), { type: 'key', data: { down: true, key: { type: 'qcode', data: 'q' } } });
  assert.equal(keyInputEvent('Fn', true), undefined);
  const combo = keyComboEvents(['ctrl', 'alt', 'delete']);
  assert.deepEqual(combo.map((e) => (e.type === 'key' ? `${e.data.down ? '+' : '-'}${e.data.key.data}` : '')), ['+ctrl', '+alt', '+delete', '-delete', '-alt', '-ctrl']);
  assert.equal(absoluteAxis(0, 640, 320), 0);
  assert.equal(absoluteAxis(639.9, 640, 320), 0x7fff);
  assert.equal(absoluteAxis(320, 640, 321), 0x4000);
  assert.equal(absoluteAxis(-5, 640, 320), 0);
  assert.deepEqual(relativeMoveEvents(0, 0), []);
  assert.deepEqual(relativeMoveEvents(1e6, -3), [{ type: 'rel', data: { axis: 'x', value: 0x7fff } }, { type: 'rel', data: { axis: 'y', value: -3 } }]);
  assert.deepEqual(wheelEvents(0, -1).map((e) => e.data), [{ down: true, button: 'wheel-up' }, { down: false, button: 'wheel-up' }]);
  const sent: string[] = [];
  let released = 0;
  const capture = new KeyboardCapture((events) => sent.push(...events.map((e) => (e.type === 'key' ? `${e.data.down ? '+' : '-'}${e.data.key.data}` : ''))), () => released++);
  capture.handle('AltLeft', true);
  capture.handle('ControlRight', true);
  assert.deepEqual(sent, ['+alt', '-alt']);
  assert.equal(released, 1);
  capture.handle('KeyA', false);
  assert.deepEqual(sent, ['+alt', '-alt'], 'a release whose press the guest never saw is dropped');
  capture.hostKey = 'AltRight';
  capture.handle('ControlRight', true);
  assert.deepEqual(sent.at(-1), '+ctrl_r', 'Right Ctrl is an ordinary key when another host key is chosen');
});

test('text selection reads CP437 cells as Unicode', () => {
  const cols = 4;
  const glyphs = [0x48, 0x69, 0x20, 0x00, 0xc9, 0xcd, 0xbb, 0x20];
  const cells = new Uint32Array(glyphs.flatMap((g) => [g | (1 << 8), 0xffffff, 0]));
  assert.equal(screenText(cells, cols, 2), 'Hi\n╔═╗');
  assert.equal(regionText(cells, cols, 2, { row0: 1, col0: 2, row1: 0, col1: 1 }), 'i\n═╗');
});

test('settings: forwards and the cable apply to a running machine; the card needs a power cycle; a bad network blocks saving', () => {
  const forward = { protocol: 'tcp' as const, hostAddress: '127.0.0.1', hostPort: 8080, guestPort: 80 };
  assert.deepEqual(changedSettings(config, { ...config, network: { ...config.network, forwards: [forward] } }), [{ field: 'network', needsPowerCycle: false }]);
  assert.deepEqual(changedSettings(config, { ...config, network: { ...config.network, connected: false } }), [{ field: 'network', needsPowerCycle: false }]);
  assert.deepEqual(changedSettings(config, { ...config, network: { ...config.network, model: 'e1000' } }), [{ field: 'network', needsPowerCycle: true }]);
  assert.deepEqual(changedSettings(config, { ...config, network: { ...config.network, mac: '02:00:00:00:00:02' } }), [{ field: 'network', needsPowerCycle: true }]);
  assert.match(validateSettings({ ...config, network: { ...config.network, forwards: [forward, { ...forward, guestPort: 81 }] } }, [], true).network ?? '', /already forwarded/);
  assert.match(validateSettings({ ...config, engine: 'v86', cpus: 1, network: { ...config.network, model: 'e1000' } }, [], true).network ?? '', /v86 engine has no network card model/);
});
