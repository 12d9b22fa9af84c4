/**
 * The network options and commands of `hangar` on a stopped machine (the command opens the
 * library itself): create and modify with --nic, --nic-model, --mac, --cable, --forward and
 * --no-forward; `hangar network` and `hangar forward add|remove|list` on the stored settings;
 * bad input exits 2 and saves nothing. The live path (a running engine) is test/app/network.test.ts.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { hangarCli } from '../support/hangar-cli.js';

const home = mkdtempSync(join(tmpdir(), 'hangar-cli-network-'));
after(() => rmSync(home, { recursive: true, force: true }));

const { hangar } = hangarCli(home, { timeoutMs: 60_000 });

interface Network {
  mode: string;
  model: string;
  mac: string;
  connected: boolean;
  forwards: { protocol: string; hostAddress: string; hostPort: number; guestPort: number; name?: string }[];
}

async function network(name: string): Promise<Network> {
  const shown = await hangar('show', name, '--json');
  assert.equal(shown.code, 0, shown.stderr);
  return (JSON.parse(shown.stdout) as { network: Network }).network;
}

test('create and modify take the network options; bad ones exit 2 and save nothing', async () => {
  const plain = await hangar('create', 'Plain', '--engine', 'v86', '--memory', '32', '--os', 'other');
  assert.equal(plain.code, 0, plain.stderr);
  const defaults = await network('Plain');
  assert.deepEqual([defaults.mode, defaults.model, defaults.connected, defaults.forwards], ['nat', 'auto', true, []]);
  assert.match(defaults.mac, /^[0-9a-f][26ae](:[0-9a-f]{2}){5}$/, 'a locally administered unicast MAC');

  const created = await hangar('create', 'Served', '--engine', 'qemu', '--memory', '64', '--os', 'other', '--nic', 'isolated', '--nic-model', 'virtio-net-pci', '--cable', 'off', '--forward', 'tcp:2222:22', '--forward=udp:0.0.0.0:5353:53');
  assert.equal(created.code, 0, created.stderr);
  const served = await network('Served');
  assert.deepEqual(
    { ...served, mac: '' },
    {
      mode: 'isolated',
      model: 'virtio-net-pci',
      mac: '',
      connected: false,
      forwards: [
        { protocol: 'tcp', hostAddress: '127.0.0.1', hostPort: 2222, guestPort: 22 },
        { protocol: 'udp', hostAddress: '0.0.0.0', hostPort: 5353, guestPort: 53 },
      ],
    },
  );
  assert.notEqual(served.mac, defaults.mac);

  for (const [options, reason] of [
    [['--forward', 'tcp:0:22'], /host port 0 is not a port number/],
    [['--forward', 'tcp:2222:70000'], /guest port 70000 is not a port number/],
    [['--forward', 'tcp-2222-22'], /not PROTOCOL:\[ADDRESS:\]HOSTPORT:GUESTPORT/],
    [['--forward', 'tcp:2222:22', '--forward', 'tcp:2222:23'], /Two forwards listen on TCP 127\.0\.0\.1:2222/],
    [['--nic-model', 'e1000'], /v86 engine has no network card model "e1000"; choose auto or one of ne2k, virtio/],
    [['--nic', 'bridged'], /--nic must be one of nat, isolated, none/],
    [['--mac', '01:00:5e:00:00:01'], /multicast/],
    [['--cable', 'maybe'], /--cable must be on or off/],
  ] as const) {
    const refused = await hangar('create', 'Bad', '--engine', 'v86', '--memory', '32', '--os', 'other', ...options);
    assert.equal(refused.code, 2, `${options.join(' ')}: ${refused.stderr}`);
    assert.match(refused.stderr, reason);
  }
  assert.equal((await hangar('show', 'Bad')).code, 3, 'nothing was saved');

  const modified = await hangar('modify', 'Served', '--forward', 'tcp:8080:80', '--no-forward', 'tcp:2222', '--nic', 'nat', '--cable', 'on');
  assert.equal(modified.code, 0, modified.stderr);
  const after = await network('Served');
  assert.deepEqual([after.mode, after.connected, after.mac], ['nat', true, served.mac], 'the MAC stays');
  assert.deepEqual(after.forwards.map((forward) => `${forward.protocol}:${forward.hostPort}:${forward.guestPort}`), ['udp:5353:53', 'tcp:8080:80']);
  const noSuch = await hangar('modify', 'Served', '--no-forward', 'tcp:9999');
  assert.equal(noSuch.code, 2);
  assert.match(noSuch.stderr, /no such forward/);
  const twice = await hangar('modify', 'Served', '--forward', 'tcp:8080:81');
  assert.equal(twice.code, 2);
  assert.match(twice.stderr, /Two forwards listen on TCP 127\.0\.0\.1:8080/);
  const otherEngine = await hangar('modify', 'Served', '--engine', 'v86', '--memory', '64');
  assert.equal(otherEngine.code, 1, 'the library refuses it, as other settings beyond an engine');
  assert.match(otherEngine.stderr, /v86 engine has no network card model "virtio-net-pci"/);
  assert.equal((await network('Served')).forwards.length, 2, 'refused changes saved nothing');

  const listed = JSON.parse((await hangar('list', '--json')).stdout) as { name: string; network: Network }[];
  assert.equal(listed.find((machine) => machine.name === 'Served')?.network.mode, 'nat', 'list --json shows each machine\'s network');
});

test('hangar network and hangar forward on a stopped machine change the stored settings', async () => {
  assert.equal((await hangar('create', 'Stopped', '--engine', 'qemu', '--memory', '64', '--os', 'other')).code, 0);
  const added = await hangar('forward', 'Stopped', 'add', 'tcp:3000:80', '--name', 'web');
  assert.equal(added.code, 0, added.stderr);
  assert.deepEqual((await network('Stopped')).forwards, [{ protocol: 'tcp', hostAddress: '127.0.0.1', hostPort: 3000, guestPort: 80, name: 'web' }]);

  const shown = await hangar('network', 'Stopped');
  assert.equal(shown.code, 0, shown.stderr);
  assert.match(shown.stdout, /mode: +nat/);
  assert.match(shown.stdout, new RegExp(`mac: +${(await network('Stopped')).mac}`));
  assert.match(shown.stdout, /tcp 127\.0\.0\.1:3000 -> guest 80 \(web\) +stored/);
  const listed = JSON.parse((await hangar('forward', 'Stopped', 'list', '--json')).stdout) as { running: boolean; forwards: { status: string }[] };
  assert.deepEqual([listed.running, listed.forwards.map((forward) => forward.status)], [false, ['stored']]);

  const duplicate = await hangar('forward', 'Stopped', 'add', 'tcp:3000:81');
  assert.equal(duplicate.code, 1);
  assert.match(duplicate.stderr, /Two forwards listen on TCP 127\.0\.0\.1:3000/);
  assert.equal((await hangar('forward', 'Stopped', 'add', 'tcp:3000:0')).code, 2);
  assert.equal((await hangar('forward', 'Stopped', 'frob', 'tcp:1:2')).code, 2);

  assert.equal((await hangar('forward', 'Stopped', 'remove', 'tcp:3000')).code, 0);
  assert.deepEqual((await network('Stopped')).forwards, []);
  const again = await hangar('forward', 'Stopped', 'remove', 'tcp:3000');
  assert.equal(again.code, 3);
  assert.match(again.stderr, /has no forward on TCP 127\.0\.0\.1:3000/);
  assert.equal((await hangar('network', 'Nobody')).code, 3);
});
