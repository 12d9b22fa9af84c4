import assert from 'node:assert/strict';
import { test } from 'node:test';
import { shareArguments } from './arguments.js';

test('a share is a local fsdev (read-only when asked) and a virtio-9p-pci device with its mount tag', () => {
  assert.deepEqual(shareArguments({ hostPath: '/srv/a,b', name: 'work', readOnly: false, tag: 'host9p' }, 0), [
    '-fsdev', 'local,id=fs0,path=/srv/a,,b,security_model=none',
    '-device', 'virtio-9p-pci,fsdev=fs0,mount_tag=host9p,id=share0',
  ]);
  assert.deepEqual(shareArguments({ hostPath: '/srv/docs', name: 'docs', readOnly: true, tag: 'docs' }, 1), [
    '-fsdev', 'local,id=fs1,path=/srv/docs,security_model=none,readonly=on',
    '-device', 'virtio-9p-pci,fsdev=fs1,mount_tag=docs,id=share1',
  ]);
});
