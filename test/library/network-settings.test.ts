// Network settings in the library: defaults, the shared checks (the same lists the engine
// accepts), MAC uniqueness, updates, and machine.json carrying them through a rebuild.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nicModels } from '../../src/emulator/common/network-plan.js';
import { Library, LibraryError, rebuildLibrary } from '../../src/library/index.js';
import { checkNetworkSettings, macAddressProblem, nicModelsByEngine, parseForwardHost, parseForwardText, randomMacAddress } from '../../src/shared/network-settings.js';

const root = mkdtempSync(join(tmpdir(), 'hangar-network-settings-'));
after(() => rmSync(root, { recursive: true, force: true }));

function rejects(action: () => unknown, pattern: RegExp): void {
  assert.throws(action, (error: unknown) => {
    assert.ok(error instanceof LibraryError, `expected a LibraryError, got ${String(error)}`);
    assert.equal(error.class === 'InvalidInput' || error.class === 'Duplicate', true, error.class);
    assert.match(error.message, pattern);
    return true;
  });
}

describe('network settings rules', () => {
  it('offers exactly the NIC models the engine accepts', () => {
    assert.deepEqual(nicModelsByEngine, nicModels);
  });

  it('generates locally administered unicast MACs', () => {
    for (let index = 0; index < 200; index++) assert.equal(macAddressProblem(randomMacAddress()), undefined);
    assert.match(macAddressProblem('01:00:00:00:00:01') ?? '', /multicast/);
    assert.match(macAddressProblem('00:11:22:33:44:55') ?? '', /globally administered/);
    assert.match(macAddressProblem('02:11:22') ?? '', /six hex pairs/);
  });

  it('reads forwards as the CLI writes them and refuses bad ones with the reason', () => {
    assert.deepEqual(parseForwardText('tcp:2222:22'), { protocol: 'tcp', hostAddress: '127.0.0.1', hostPort: 2222, guestPort: 22 });
    assert.deepEqual(parseForwardText('udp:0.0.0.0:5353:53'), { protocol: 'udp', hostAddress: '0.0.0.0', hostPort: 5353, guestPort: 53 });
    assert.deepEqual(parseForwardHost('tcp:2222'), { protocol: 'tcp', hostAddress: '127.0.0.1', hostPort: 2222 });
    assert.throws(() => parseForwardText('tcp:0:22'), /host port 0 is not a port number/);
    assert.throws(() => parseForwardText('tcp:2222:70000'), /guest port 70000 is not a port number/);
    assert.throws(() => parseForwardText('sctp:1:2'), /not PROTOCOL/);
    assert.throws(() => parseForwardText('tcp:localhost:1:2'), /not an IPv4 address/);
  });

  it('checks whole settings per engine', () => {
    const base = { mode: 'nat', model: 'auto', mac: '02:00:00:00:00:01', connected: true, forwards: [] };
    assert.equal(checkNetworkSettings('qemu', { ...base, model: 'virtio-net-pci' }).ok, true);
    const wrongEngine = checkNetworkSettings('v86', { ...base, model: 'e1000' });
    assert.ok(!wrongEngine.ok && /v86 engine has no network card model "e1000"; choose auto or one of ne2k, virtio/.test(wrongEngine.error));
    const duplicate = checkNetworkSettings('qemu', { ...base, forwards: [{ hostPort: 8080, guestPort: 80 }, { protocol: 'tcp', hostAddress: '127.0.0.1', hostPort: 8080, guestPort: 81 }] });
    assert.ok(!duplicate.ok && /Two forwards listen on TCP 127.0.0.1:8080/.test(duplicate.error));
    const udpBeside = checkNetworkSettings('qemu', { ...base, forwards: [{ hostPort: 53, guestPort: 53 }, { protocol: 'udp', hostPort: 53, guestPort: 53 }] });
    assert.ok(udpBeside.ok, 'the same port on tcp and udp are two host sockets');
  });
});

describe('network settings in the library', () => {
  const folder = join(root, 'library');

  it('stores, validates and carries them through machine.json and a rebuild', async () => {
    const library = await Library.open(folder, { watch: false });
    let id: string;
    let mac: string;
    try {
      const fresh = library.machines.create({ name: 'Plain', osId: 'other', engine: 'v86' });
      assert.equal(fresh.network.mode, 'nat', 'new machines get NAT');
      assert.equal(fresh.network.model, 'auto');
      assert.equal(fresh.network.connected, true);
      assert.deepEqual(fresh.network.forwards, []);
      assert.equal(macAddressProblem(fresh.network.mac), undefined);
      const other = library.machines.create({ name: 'Other', osId: 'other', engine: 'v86' });
      assert.notEqual(other.network.mac, fresh.network.mac);

      const machine = library.machines.create({
        name: 'Served',
        osId: 'other',
        engine: 'qemu',
        network: { model: 'rtl8139', forwards: [{ hostPort: 2222, guestPort: 22, name: 'ssh' }] },
      });
      id = machine.id;
      mac = machine.network.mac;
      assert.deepEqual(machine.network.forwards, [{ protocol: 'tcp', hostAddress: '127.0.0.1', hostPort: 2222, guestPort: 22, name: 'ssh' }]);

      // Bad input is refused with the reason and nothing changes.
      rejects(() => library.machines.create({ name: 'Bad', osId: 'other', engine: 'v86', network: { model: 'e1000' } }), /^network: The v86 engine has no network card model "e1000"/);
      rejects(() => library.machines.create({ name: 'Bad', osId: 'other', engine: 'qemu', network: { forwards: [{ hostPort: 70000, guestPort: 1 }] } }), /host port 70000 is not a port number/);
      rejects(() => library.machines.create({ name: 'Bad', osId: 'other', engine: 'qemu', network: { mac: '01:00:5e:00:00:01' } }), /multicast/);
      rejects(() => library.machines.create({ name: 'Bad', osId: 'other', engine: 'qemu', network: { mac: fresh.network.mac } }), /already has the MAC address/);
      rejects(() => library.machines.update(id, { network: { forwards: [{ hostPort: 2222, guestPort: 22 }, { hostPort: 2222, guestPort: 23 }] } }), /Two forwards listen on TCP 127.0.0.1:2222/);
      rejects(() => library.machines.update(id, { engine: 'v86' }), /v86 engine has no network card model "rtl8139"/);
      assert.equal(library.machines.findByName('Bad'), undefined);
      assert.equal(library.machines.get(id).network.forwards.length, 1);

      // Fields left out keep their value; the MAC is never regenerated by an update.
      const updated = library.machines.update(id, { network: { mode: 'isolated', connected: false } });
      assert.deepEqual({ ...updated.network, forwards: updated.network.forwards.length }, { mode: 'isolated', model: 'rtl8139', mac, connected: false, forwards: 1 });

      const file = JSON.parse(readFileSync(join(folder, 'machines', id, 'machine.json'), 'utf8')) as { machine: Record<string, unknown> };
      assert.equal(file.machine.mac, mac);
      assert.equal(file.machine.network_mode, 'isolated');
      assert.equal(JSON.parse(String(file.machine.forwards)).length, 1);
    } finally {
      await library.close();
    }
    // A lost database: the rebuild brings the settings back from machine.json.
    rmSync(join(folder, 'library.db'), { force: true });
    rmSync(join(folder, 'library.db-wal'), { force: true });
    rmSync(join(folder, 'library.db-shm'), { force: true });
    rebuildLibrary(folder);
    const reopened = await Library.open(folder, { watch: false });
    try {
      const back = reopened.machines.get(id);
      assert.deepEqual(back.network, { mode: 'isolated', model: 'rtl8139', mac, connected: false, forwards: [{ protocol: 'tcp', hostAddress: '127.0.0.1', hostPort: 2222, guestPort: 22, name: 'ssh' }] });
    } finally {
      await reopened.close();
    }
  });
});
