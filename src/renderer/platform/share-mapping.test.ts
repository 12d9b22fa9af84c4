// The renderer's mapping of shared folders: fixtures pass the schema check the client runs on
// every reply, so they are shapes the API can really deliver.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkApiArgs, checkApiValue } from '../../shared/protocol/api/client.js';
import type { ApiCallName, ApiValue } from '../../shared/protocol/api/client.js';
import { toShares, toSharesPatch, toSharesStatus } from './share-mapping.js';

function reply<N extends ApiCallName>(name: N, value: unknown): ApiValue<N> {
  const checked = checkApiValue(name, value);
  assert.ok(checked.ok, `fixture for ${name} breaks the API schema: ${checked.ok ? '' : `${checked.issue.path} ${checked.issue.message}`}`);
  return checked.value;
}

test('the machine view\'s shares, with a core older than shares showing none', () => {
  const machine = reply('machines.get', { id: 'm', name: 'A', osId: 'other', engine: 'qemu', memoryMib: 512, cpus: 1, state: 'stopped', shares: [{ hostPath: '/srv/a', name: 'a', readOnly: true }] });
  assert.deepEqual(toShares(machine.shares), [{ hostPath: '/srv/a', name: 'a', readOnly: true }]);
  assert.deepEqual(toShares(reply('machines.get', { id: 'm', name: 'A', osId: 'other', engine: 'qemu', memoryMib: 512, cpus: 1, state: 'stopped' }).shares), []);
});

test('vm.shares and the update patch (whole list, only when changed)', () => {
  const status = toSharesStatus(
    reply('vm.shares', {
      running: true,
      engine: 'v86',
      note: 'v86 serves only the first',
      shares: [{ name: 'a', tag: 'host9p', hostPath: '/srv/a', readOnly: false, status: 'active', mountCommand: 'mount -t 9p -o trans=virtio,version=9p2000.L host9p /mnt' }],
    }),
  );
  assert.equal(status.note, 'v86 serves only the first');
  assert.equal(status.shares[0]?.status, 'active');
  const a = { hostPath: '/srv/a', name: 'a', readOnly: false };
  assert.equal(toSharesPatch([a], [{ ...a }]), undefined);
  assert.deepEqual(toSharesPatch([a], []), []);
  assert.deepEqual(toSharesPatch([], [a]), [a]);
  assert.ok(checkApiArgs('machines.update', { id: 'm', patch: { shares: toSharesPatch([], [a]) } }).ok, 'the patch is what machines.update takes');
});
