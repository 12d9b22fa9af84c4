/**
 * The engine command line's network options (--nic, --nic-model, --mac, --forward) become
 * options.network, checked for the engine; a bad value is a usage error (exit 2), and without
 * any of them the engine has no network option (no card, as before).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { engineEntry } from '../../../test/support/engine-process.js';
import { UsageError, parseEngineArgs } from './entry.js';

test('network flags become options.network with a generated MAC; forwards repeat', () => {
  const { config } = parseEngineArgs(['--engine', 'qemu', '--nic', 'isolated', '--nic-model', 'rtl8139', '--forward', 'tcp:2222:22', '--forward', 'udp:127.0.0.1:5353-53', '--qmp', '/tmp/x/q.sock']);
  const network = config.options?.network as Record<string, unknown>;
  assert.equal(network.mode, 'isolated');
  assert.equal(network.model, 'rtl8139');
  assert.match(String(network.mac), /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/);
  assert.deepEqual(network.forwards, [
    { protocol: 'tcp', hostAddress: '127.0.0.1', hostPort: 2222, guestPort: 22 },
    { protocol: 'udp', hostAddress: '127.0.0.1', hostPort: 5353, guestPort: 53 },
  ]);
  assert.equal(parseEngineArgs(['--engine', 'v86', '--qmp', '/tmp/x/q.sock']).config.options, undefined);
  const merged = parseEngineArgs(['--options', JSON.stringify({ network: { mode: 'nat', mac: '52:54:00:01:02:03' } }), '--nic-model', 'virtio']).config.options?.network;
  assert.deepEqual(merged, { mode: 'nat', mac: '52:54:00:01:02:03', model: 'virtio' });
});

test('bad network values are usage errors that name the problem', () => {
  const cases: [string[], RegExp][] = [
    [['--engine', 'v86', '--nic-model', 'e1000'], /no network card model "e1000"/],
    [['--nic', 'bridged'], /nat, isolated or none/],
    [['--mac', '01:02:03:04:05:06'], /multicast/],
    [['--forward', 'tcp:0:22'], /host port 0/],
    [['--forward', 'tcp:70000:22'], /host port 70000/],
    [['--forward', 'tcp:22'], /not PROTOCOL/],
    [['--forward', 'tcp:2222:22', '--forward', 'tcp:2222:23'], /Two forwards listen on TCP 127.0.0.1:2222/],
  ];
  for (const [argv, message] of cases) assert.throws(() => parseEngineArgs(argv), (error: unknown) => error instanceof UsageError && message.test(error.message));
});

test('the engine process exits 2 on a bad network option', () => {
  const result = spawnSync(process.execPath, ['--import', 'tsx', engineEntry, '--engine', 'qemu', '--nic', 'nat', '--mac', '53:00:00:00:00:01', '--qmp', '/tmp/never/q.sock'], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(result.status, 2);
  assert.match(result.stderr, /multicast/);
});
