import assert from 'node:assert/strict';
import { test } from 'node:test';
import { engineFailureReason } from './engine-session.js';

test('a failure reason quotes the engine\'s own failure report and the lines continuing it', () => {
  const tail = ['[engine] qemu: accelerator tcg: /dev/kvm is missing', '[engine] failed: the disk image is truncated', '  expected 1048576 bytes', 'more'].join('\n');
  assert.equal(engineFailureReason(tail), 'the disk image is truncated   expected 1048576 bytes more');
});

test('without a failure report, the reason leaves out the engine\'s progress notes and keeps QEMU\'s stderr', () => {
  const commandLine = `[engine] qemu: /usr/bin/qemu-system-x86_64 ${'-device x '.repeat(100)}`;
  const tail = ['[engine] qemu stderr: qemu-system-x86_64: warning: host does not support x2apic', '[engine] qemu: accelerator tcg: /dev/kvm is missing', commandLine].join('\n');
  assert.equal(engineFailureReason(tail), 'QEMU: qemu-system-x86_64: warning: host does not support x2apic');
});

test('a Node.js crash in the engine is quoted; notes alone give no reason', () => {
  assert.equal(engineFailureReason(['[engine] qemu: accelerator tcg', 'TypeError: boom', '    at run (engine.js:1:1)'].join('\n')), 'TypeError: boom     at run (engine.js:1:1)');
  assert.equal(engineFailureReason('[engine] qemu: accelerator tcg (it works on this host)\n'), '');
});

test('a long line is cut', () => {
  const reason = engineFailureReason(`[engine] failed: ${'x'.repeat(1000)}`);
  assert.ok(reason.length <= 300 && reason.endsWith('…'));
});
