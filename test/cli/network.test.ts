/**
 * The network options and commands of `hangar` on a stopped machine (the command opens the
 * library itself): create and modify with --nic, --nic-model, --mac, --cable, --forward and
 * --no-forward; `hangar network` and `hangar forward add|remove|list` on the stored settings;
 * bad input exits 2 and saves nothing; `hangar control NAME forward …|link up|down` likewise. Live:
 * a QEMU machine with the Linux test guest runs headless and a second `hangar` changes its
 * forwards and cable over the control socket (the guest's server answers on the forward; the
 * guest sees its carrier go and come back). The app path is test/app/network.test.ts.
 */
import assert from 'node:assert/strict';
import { spawnOwned } from '../../src/node/owned-child.js';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { hangarBin, hangarCli } from '../support/hangar-cli.js';
import { engineConsole, ensureGuestIso, freePort, guestShell, startGuestServer, talk, waitForSerial } from '../support/linux-guest.js';
import { QmpClient } from '../support/qmp-client.js';
import { until, within } from '../support/waiting.js';

const home = mkdtempSync(join(tmpdir(), 'hangar-cli-network-'));
const children: ChildProcess[] = [];
after(() => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  rmSync(home, { recursive: true, force: true });
});

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

test('hangar control NAME forward and link on a stopped machine: the same rules, stored; bad input exits 2', async () => {
  assert.equal((await hangar('create', 'Controlled', '--engine', 'v86', '--memory', '32', '--os', 'other')).code, 0);
  const added = await hangar('control', 'Controlled', 'forward', 'add', 'tcp:3001:81', '--name', 'api');
  assert.equal(added.code, 0, added.stderr);
  assert.match(added.stdout, /Forwarding tcp 127\.0\.0\.1:3001 to the guest's port 81/);
  assert.deepEqual((await network('Controlled')).forwards, [{ protocol: 'tcp', hostAddress: '127.0.0.1', hostPort: 3001, guestPort: 81, name: 'api' }]);
  const listed = await hangar('control', 'Controlled', 'forward', 'list', '--json');
  assert.equal(listed.code, 0, listed.stderr);
  assert.deepEqual((JSON.parse(listed.stdout) as { forwards: { hostPort: number; status: string }[] }).forwards.map((forward) => [forward.hostPort, forward.status]), [[3001, 'stored']]);
  assert.match((await hangar('control', 'Controlled', 'forward', 'list')).stdout, /tcp 127\.0\.0\.1:3001 -> guest 81 \(api\) +stored/);

  const down = await hangar('control', 'Controlled', 'link', 'down');
  assert.equal(down.code, 0, down.stderr);
  assert.match(down.stdout, /cable of "Controlled" is disconnected/);
  assert.equal((await network('Controlled')).connected, false);
  assert.equal((await hangar('control', 'Controlled', 'link', 'up')).code, 0);
  assert.equal((await network('Controlled')).connected, true);

  for (const [args, reason] of [
    [['forward'], /control Controlled forward takes add, remove or list/],
    [['forward', 'add', 'tcp:3002:0'], /guest port 0 is not a port number/],
    [['forward', 'add', 'tcp:3002'], /not PROTOCOL:\[ADDRESS:\]HOSTPORT:GUESTPORT/],
    [['forward', 'add'], /forward add takes one operand, like tcp:2222:22/],
    [['forward', 'remove', 'tcp:3001', 'tcp:3002'], /forward remove takes one operand, like tcp:2222/],
    [['forward', 'list', 'extra'], /forward list takes no operands/],
    [['forward', 'frob'], /forward takes add, remove or list, not "frob"/],
    [['forward', 'add', 'tcp:3002:82', '--json'], /--json goes with forward list only/],
    [['forward', 'list', '--force'], /Unknown option --force/],
    [['link'], /link takes up \(cable connected\) or down \(cable out\)/],
    [['link', 'sideways'], /link takes up .* not "sideways"/],
    [['link', 'up', 'now'], /link takes up/],
    [['pause', '--json'], /Unknown option --json/],
  ] as const) {
    const refused = await hangar('control', 'Controlled', ...args);
    assert.equal(refused.code, 2, `control Controlled ${args.join(' ')}: ${refused.stderr}`);
    assert.match(refused.stderr, reason, `control Controlled ${args.join(' ')}`);
  }
  const duplicate = await hangar('control', 'Controlled', 'forward', 'add', 'tcp:3001:82');
  assert.equal(duplicate.code, 1);
  assert.match(duplicate.stderr, /Two forwards listen on TCP 127\.0\.0\.1:3001/);
  assert.deepEqual((await network('Controlled')).forwards.map((forward) => forward.guestPort), [81], 'refused input saved nothing');

  const removed = await hangar('control', 'Controlled', 'forward', 'remove', 'tcp:3001');
  assert.equal(removed.code, 0, removed.stderr);
  assert.deepEqual((await network('Controlled')).forwards, []);
  assert.equal((await hangar('control', 'Controlled', 'forward', 'remove', 'tcp:3001')).code, 3);
  assert.equal((await hangar('control', 'Nobody', 'link', 'down')).code, 3);
  assert.equal((await hangar('control', 'Nobody', 'forward', 'list')).code, 3);

  assert.equal((await hangar('create', 'Unplugged', '--engine', 'v86', '--memory', '32', '--os', 'other', '--nic', 'none')).code, 0);
  const noCard = await hangar('control', 'Unplugged', 'link', 'up');
  assert.equal(noCard.code, 1);
  assert.match(noCard.stderr, /has no network card \(mode none\)/);
});

test('control forward and link reach a running machine: the guest answers on the forward, sees its carrier go', { timeout: 600_000 }, async () => {
  const iso = ensureGuestIso();
  const created = await hangar('create', 'Live', '--engine', 'qemu', '--memory', '256', '--os', 'other', '--cdrom', iso, '--nic-model', 'e1000');
  assert.equal(created.code, 0, created.stderr);
  const child = spawnOwned(process.execPath, [hangarBin, 'start', 'Live', '--headless'], { cwd: home, env: { ...process.env, HANGAR_HOME: home }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let output = '';
  child.stdout?.setEncoding('utf8').on('data', (text: string) => (output += text));
  child.stderr?.setEncoding('utf8').on('data', (text: string) => (output += text));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const qmp = await until(() => {
    if (child.exitCode !== null) throw new Error(`hangar start --headless exited (${child.exitCode}): ${output}`);
    return /QMP socket: (\S+)/.exec(output)?.[1];
  }, 'the QMP socket line', 90_000);
  await until(() => (output.includes('Running until') ? true : undefined), 'the headless instance to be ready');
  // The guest's shell is reached on the engine's own QMP socket (serial-write / SERIAL_OUTPUT).
  const client = await QmpClient.connect(qmp);
  try {
    const guest = engineConsole(client);
    await until(async () => ((await guestShell(guest, 'true', 10_000).catch(() => undefined))?.status === 0 ? true : undefined), 'the guest\'s shell', 300_000);
    assert.equal((await guestShell(guest, 'ip -4 addr show eth0 | grep -q "inet 10.0.2.15/"')).status, 0, 'the guest has its lease');

    await startGuestServer(guest, 8080, 'cli-banner');
    const hostPort = await freePort();
    const added = await hangar('control', 'Live', 'forward', 'add', `tcp:${hostPort}:8080`, '--name', 'web');
    assert.equal(added.code, 0, added.stderr);
    assert.match(await talk(hostPort, /cli-banner/, 'from-cli\n'), /cli-banner/);
    await waitForSerial(guest, /guest-got:from-cli/, 30_000, 'data into the guest through the CLI\'s forward');
    const listed = await hangar('control', 'Live', 'forward', 'list', '--json');
    assert.equal(listed.code, 0, listed.stderr);
    const live = JSON.parse(listed.stdout) as { running: boolean; forwards: { hostPort: number; guestPort: number; status: string; name?: string }[] };
    assert.equal(live.running, true);
    assert.deepEqual(live.forwards.map((forward) => [forward.hostPort, forward.guestPort, forward.status, forward.name]), [[hostPort, 8080, 'active', 'web']]);
    assert.match((await hangar('control', 'Live', 'forward', 'list')).stdout, new RegExp(`tcp 127\\.0\\.0\\.1:${hostPort} -> guest 8080 \\(web\\) +active`));
    const machines = JSON.parse((await hangar('list', '--json')).stdout) as { name: string; state: string; network: Network }[];
    const inList = machines.find((machine) => machine.name === 'Live');
    assert.equal(inList?.state, 'running');
    assert.deepEqual(inList?.network.forwards.map((forward) => [forward.hostPort, forward.guestPort, forward.name]), [[hostPort, 8080, 'web']], 'list --json shows the running machine\'s network with the live forward');

    // A busy host port: refused with the reason, nothing stored, the guest runs on.
    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    try {
      const busyPort = (busy.address() as AddressInfo).port;
      const refused = await hangar('control', 'Live', 'forward', 'add', `tcp:${busyPort}:8080`);
      assert.equal(refused.code, 1, refused.stdout);
      assert.match(refused.stderr, new RegExp(`127\\.0\\.0\\.1:${busyPort} is in use`));
    } finally {
      await new Promise((resolve) => busy.close(resolve));
    }

    const removed = await hangar('control', 'Live', 'forward', 'remove', `tcp:${hostPort}`);
    assert.equal(removed.code, 0, removed.stderr);
    await assert.rejects(talk(hostPort, /cli-banner/, 'x\n', 5000), 'nothing listens on the removed forward');
    assert.deepEqual((await network('Live')).forwards, []);

    // The cable: the guest's driver sees the carrier drop and come back.
    const carrier = async (expected: '0' | '1'): Promise<void> => {
      await until(async () => ((await guestShell(guest, `grep -qx ${expected} /sys/class/net/eth0/carrier`)).status === 0 ? true : undefined), `carrier ${expected} in the guest`, 30_000);
    };
    assert.equal((await hangar('control', 'Live', 'link', 'down')).code, 0);
    await carrier('0');
    assert.equal((await network('Live')).connected, false);
    assert.equal((await hangar('control', 'Live', 'link', 'up')).code, 0);
    await carrier('1');
    assert.equal((await network('Live')).connected, true);
    assert.equal((await hangar('control', 'Live', 'link', 'sideways')).code, 2);
  } finally {
    client.close();
  }
  assert.equal((await hangar('control', 'Live', 'poweroff')).code, 0);
  assert.equal(await within(exited, 30_000, 'still running'), 0, output);
});
