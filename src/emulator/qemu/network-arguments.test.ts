import assert from 'node:assert/strict';
import { test } from 'node:test';
import { planNetwork } from '../common/network-plan.js';
import { networkArguments } from './arguments.js';

test('a user netdev and the planned card; isolated restricts; forwards never go on the command line', () => {
  const nat = planNetwork('qemu', { mode: 'nat', model: 'rtl8139', mac: '52:54:00:01:02:03', forwards: ['tcp:2222:22'] });
  assert.deepEqual(networkArguments(nat), ['-netdev', 'user,id=n0', '-device', 'rtl8139,netdev=n0,mac=52:54:00:01:02:03,id=nic0']);
  const isolated = planNetwork('qemu', { mode: 'isolated', mac: '52:54:00:01:02:03' });
  assert.deepEqual(networkArguments(isolated), ['-netdev', 'user,id=n0,restrict=on', '-device', 'e1000,netdev=n0,mac=52:54:00:01:02:03,id=nic0']);
  assert.deepEqual(networkArguments(planNetwork('qemu', { mode: 'none' })), []);
  assert.deepEqual(networkArguments(planNetwork('qemu', undefined)), []);
});
