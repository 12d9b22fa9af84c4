import assert from 'node:assert/strict';
import { test } from 'node:test';
import { macProblem, nicModel, parseForward, planNetwork, randomMac } from './network-plan.js';

test('auto picks e1000 on QEMU and ne2k on v86; unknown models are refused with the choices', () => {
  assert.equal(nicModel('qemu', 'auto'), 'e1000');
  assert.equal(nicModel('v86', undefined), 'ne2k');
  assert.equal(nicModel('qemu', 'virtio-net-pci'), 'virtio-net-pci');
  assert.throws(() => nicModel('v86', 'e1000'), /no network card model "e1000"; choose auto or one of ne2k, virtio/);
  assert.throws(() => nicModel('qemu', 'ne2k'), /e1000, rtl8139, ne2k_pci, virtio-net-pci, pcnet/);
});

test('a MAC must be six hex pairs, unicast and locally administered', () => {
  assert.equal(macProblem('52:54:00:12:34:56'), undefined);
  assert.match(macProblem('53:54:00:12:34:56') ?? '', /multicast/);
  assert.match(macProblem('00:22:15:12:34:56') ?? '', /globally administered/);
  assert.match(macProblem('52:54:00:12:34') ?? '', /six hex pairs/);
  for (let index = 0; index < 50; index++) assert.equal(macProblem(randomMac()), undefined);
});

test('forwards: short, addressed and QEMU forms; bad ports are refused', () => {
  assert.deepEqual(parseForward('tcp:2222:22'), { protocol: 'tcp', hostAddress: '127.0.0.1', hostPort: 2222, guestPort: 22 });
  assert.deepEqual(parseForward('udp:0.0.0.0:5353:53'), { protocol: 'udp', hostAddress: '0.0.0.0', hostPort: 5353, guestPort: 53 });
  assert.deepEqual(parseForward('tcp:127.0.0.1:2222-22'), { protocol: 'tcp', hostAddress: '127.0.0.1', hostPort: 2222, guestPort: 22 });
  assert.throws(() => parseForward('tcp:0:22'), /host port 0 is not a port number/);
  assert.throws(() => parseForward('tcp:70000:22'), /host port 70000/);
  assert.throws(() => parseForward('sctp:1:2'), /not PROTOCOL:\[ADDRESS:\]HOSTPORT:GUESTPORT/);
});

test('the plan: absent is no card, defaults fill in, duplicates and bad values are refused', () => {
  assert.equal(planNetwork('qemu', undefined).mode, 'none');
  const plan = planNetwork('v86', { mode: 'isolated', mac: '52:54:00:AA:BB:CC', forwards: [{ hostPort: 2222, guestPort: 22 }] });
  assert.deepEqual(plan, { mode: 'isolated', model: 'ne2k', mac: '52:54:00:aa:bb:cc', connected: true, forwards: [{ protocol: 'tcp', hostAddress: '127.0.0.1', hostPort: 2222, guestPort: 22 }] });
  assert.equal(planNetwork('qemu', { mode: 'nat', connected: false }).connected, false);
  assert.throws(() => planNetwork('qemu', { mode: 'bridge' }), /nat, isolated or none/);
  assert.throws(() => planNetwork('qemu', { forwards: ['tcp:2222:22', 'tcp:127.0.0.1:2222:80'] }), /Two forwards listen on TCP 127.0.0.1:2222/);
  assert.throws(() => planNetwork('qemu', { mac: '01:00:5e:00:00:01' }), /multicast/);
});
