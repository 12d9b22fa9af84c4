/**
 * Engine protocol conformance: user-mode networking on both engines with the Linux test guest
 * (scripts/build-test-guest.sh). The guest gets 10.0.2.15 by DHCP, fetches a page the test
 * serves on host loopback through 10.0.2.2, a forward added while it runs reaches a server in
 * the guest (data both ways) and is removed again, a launch-time forward on a busy host port is
 * reported failed while the guest runs on, the cable cuts and restores traffic; isolated mode
 * keeps DHCP and forwards but not 10.0.2.2 (mode none, no card, is checked on the shared-folder
 * guests of test/conformance/shares.test.ts, which run without one). Written against the
 * protocol and the engine command line only.
 *
 * The NAT guest also carries a snapshot save and restore (the restored guest has its lease and
 * MAC, the server saved in its RAM answers on the launch-time forward, new traffic flows; QEMU
 * keeps RAM snapshots in a qcow2 disk, so it gets one) and the checks of the guest itself, so
 * that each engine boots it once for all of them (a boot is most of a minute here): its markers
 * in order and a command typed on COM1,
 * every PCI device kept with ACPI on, a disc swapped in while it runs read by `mount /dev/sr0`
 * (Linux saw the media change: issue 16 item 3), and last a guest power-off seen by the engine.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import type { Server as HttpServer } from 'node:http';
import { createServer } from 'node:net';
import type { AddressInfo, Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { EngineProcess } from '../support/engine-process.js';
import { startEngine } from '../support/engine-process.js';
import { engineConsole, ensureGuestIso, freePort, guestFetch, guestRun, guestShell, serialText, startGuestServer, talk, waitForGuestBoot, waitForSerial } from '../support/linux-guest.js';
import type { QmpClient } from '../support/qmp-client.js';
import { QmpCommandError } from '../support/qmp-client.js';
import { conformanceBackends, engineArguments } from './backends.js';

const page = 'hangar-network-page-ok';
let guestIso = '';

let jobs = 0;
/** Runs a snapshot job to its end and fails the test with its error. */
async function job(client: QmpClient, type: 'snapshot-save' | 'snapshot-load', tag: string): Promise<void> {
  const id = `net-${++jobs}`;
  const mark = client.events.length;
  await client.execute(type, { 'job-id': id, tag });
  await client.waitForEvent('JOB_STATUS_CHANGE', 180_000, (event) => event.data.id === id && event.data.status === 'concluded', mark);
  const done = ((await client.execute('query-jobs')) as { id: string; error?: string }[]).find((entry) => entry.id === id);
  assert.equal(done?.error, undefined, `${type} ${tag} failed`);
  await client.execute('job-dismiss', { id });
}

interface NetworkState {
  mode: string;
  model: string;
  mac: string;
  link: boolean;
  available: boolean;
  reason?: string;
  forwards: { protocol: string; 'host-address': string; 'host-port': number; 'guest-port': number; status: string; error?: string }[];
}

const waitForText = (client: QmpClient, pattern: RegExp, timeoutMs: number, what: string): Promise<RegExpExecArray> => waitForSerial(engineConsole(client), pattern, timeoutMs, what);
const shell = (client: QmpClient, command: string, timeoutMs?: number): ReturnType<typeof guestShell> => guestShell(engineConsole(client), command, timeoutMs);
const guestServer = (client: QmpClient, port: number, banner: string): Promise<void> => startGuestServer(engineConsole(client), port, banner);

let http: HttpServer;
let httpPort = 0;
let busy: Server;
let busyPort = 0;
let folder = '';

before(async () => {
  guestIso = ensureGuestIso();
  folder = mkdtempSync(join(tmpdir(), 'hangar-network-guest-'));
  http = createHttpServer((_request, response) => response.end(`${page}\n`));
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  httpPort = (http.address() as AddressInfo).port;
  busy = createServer();
  await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
  busyPort = (busy.address() as AddressInfo).port;
});

after(async () => {
  await new Promise((resolve) => http?.close(resolve));
  await new Promise((resolve) => busy?.close(resolve));
  if (folder) rmSync(folder, { recursive: true, force: true });
});

async function boot(backend: 'v86' | 'qemu', network: string[]): Promise<{ engine: EngineProcess; leaseMs: number; marker: string }> {
  const started = Date.now();
  const engine = await startEngine({ engine: backend, memoryMib: 256, cdrom: guestIso, args: [...engineArguments[backend], ...network], timeoutMs: 120_000 });
  const spawnMs = Date.now() - started;
  const booted = await waitForGuestBoot(engineConsole(engine.client), { timeoutMs: 240_000, what: `${backend} boot` });
  return { engine, leaseMs: spawnMs + booted.netMs, marker: booted.net };
}

const fetchPage = (port: number): string => guestFetch(`http://10.0.2.2:${port}/`);

// One engine per backend at a time (the two backends in parallel): the machine has 2 cores.
describe('networking', { concurrency: true }, () => {
  for (const backend of conformanceBackends) {
   describe(backend, { concurrency: false }, () => {
    describe(`${backend}: nat`, { concurrency: false }, () => {
      let engine: EngineProcess | undefined;
      let launchPort = 0;
      const mac = backend === 'qemu' ? '52:54:00:4e:01:02' : '52:54:00:4e:86:03';
      after(async () => engine?.stop());

      test('the guest gets 10.0.2.15 by DHCP on the planned card and MAC', async () => {
        launchPort = await freePort();
        // QEMU keeps RAM snapshots (the snapshot test below) in a qcow2 disk.
        const disk: string[] = [];
        if (backend === 'qemu') {
          const path = join(folder, 'qemu-disk.qcow2');
          execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', path, '16M'], { timeout: 30_000 });
          disk.push('--disk', path, '--disk-format', 'qcow2', '--boot', 'cdrom,disk');
        }
        const booted = await boot(backend, [...disk, '--nic', 'nat', '--mac', mac, '--forward', `tcp:${busyPort}:8080`, '--forward', `tcp:127.0.0.1:${launchPort}:8081`]);
        engine = booted.engine;
        process.stdout.write(`# ${backend}: engine start to DHCP lease ${booted.leaseMs} ms\n`);
        assert.equal(booted.marker, 'net eth0 10.0.2.15');
        const state = (await engine.client.execute('query-network')) as NetworkState;
        assert.equal(state.mode, 'nat');
        assert.equal(state.model, backend === 'qemu' ? 'e1000' : 'ne2k');
        assert.equal(state.mac, mac);
        assert.equal(state.available, true);
        assert.equal(state.link, true);
        // The guest's own driver binds the card (for QEMU's default e1000 this stands in for its
        // boot in test/conformance/network-models.test.ts).
        const bound = await shell(engine.client, 'basename $(readlink /sys/class/net/eth0/device/driver); cat /sys/class/net/eth0/address');
        assert.equal(bound.status, 0, bound.raw);
        const [driver, address] = bound.output.split('\n');
        assert.match(driver ?? '', backend === 'qemu' ? /^e1000$/ : /^ne2k-pci$/, `the guest's driver for ${state.model}`);
        assert.match(address ?? '', new RegExp(`^${mac}\\s*$`), 'the guest sees the planned MAC');
      });

      test('a launch-time forward on a busy host port is failed with a sentence; the others work and the guest runs', async () => {
        assert.ok(engine);
        const state = (await engine.client.execute('query-network')) as NetworkState;
        const failed = state.forwards.find((forward) => forward['host-port'] === busyPort);
        assert.equal(failed?.status, 'failed');
        assert.match(failed?.error ?? '', new RegExp(`127\\.0\\.0\\.1:${busyPort} is in use`));
        assert.equal(state.forwards.find((forward) => forward['host-port'] === launchPort)?.status, 'active');
        // NETWORK_FORWARD_FAILED went out during start, before this socket existed; query-network is the lasting report.
        assert.equal(((await engine.client.execute('query-status')) as { status: string }).status, 'running');
        await guestServer(engine.client, 8081, 'launch-banner');
        assert.match(await talk(launchPort, /launch-banner/, 'via-launch-forward\n'), /launch-banner/);
        await waitForText(engine.client, /guest-got:via-launch-forward/, 20_000, `${backend} launch forward data`);
      });

      test('guest → host: an HTTP GET through 10.0.2.2 reaches a server on host loopback', async () => {
        assert.ok(engine);
        const result = await shell(engine.client, fetchPage(httpPort));
        assert.equal(result.status, 0, result.output);
        assert.match(result.output, new RegExp(`^${page}\\r?$`, 'm'));
      });

      test('host → guest: a forward added while running carries data both ways, and is removed', async () => {
        assert.ok(engine);
        const hostPort = await freePort();
        await guestServer(engine.client, 8080, 'guest-banner');
        await engine.client.execute('network-forward-add', { 'host-port': hostPort, 'guest-port': 8080 });
        assert.match(await talk(hostPort, /guest-banner/, 'hello-from-host\n'), /guest-banner/);
        await waitForText(engine.client, /guest-got:hello-from-host/, 20_000, `${backend} data host → guest`);
        await assert.rejects(engine.client.execute('network-forward-add', { 'host-port': busyPort, 'guest-port': 8080 }), (error: unknown) => {
          assert.ok(error instanceof QmpCommandError);
          assert.equal(error.errorClass, 'GenericError');
          assert.match(error.desc, new RegExp(`127\\.0\\.0\\.1:${busyPort} is in use`));
          return true;
        });
        await engine.client.execute('network-forward-remove', { 'host-port': hostPort });
        const state = (await engine.client.execute('query-network')) as NetworkState;
        assert.equal(state.forwards.some((forward) => forward['host-port'] === hostPort), false);
        await assert.rejects(talk(hostPort, /guest-banner/, 'x\n', 5000), 'nothing listens on the removed forward');
        await assert.rejects(engine.client.execute('network-forward-remove', { 'host-port': hostPort }), /No forward listens/);
      });

      test('cable out: the fetch fails; cable in: it works again', async () => {
        assert.ok(engine);
        await engine.client.execute('set_link', { name: 'net0', up: false });
        assert.equal(((await engine.client.execute('query-network')) as NetworkState).link, false);
        const cut = await shell(engine.client, fetchPage(httpPort));
        assert.notEqual(cut.status, 0, `the fetch failed with the cable out:\n${cut.output}`);
        await engine.client.execute('set_link', { name: 'net0', up: true });
        // The guest's driver may take a moment to see the carrier again; retry a few times.
        let status = -1;
        for (let attempt = 0; attempt < 5 && status !== 0; attempt++) status = (await shell(engine.client, fetchPage(httpPort))).status;
        assert.equal(status, 0, 'the fetch works with the cable back in');
        await assert.rejects(engine.client.execute('set_link', { name: 'eth9', up: true }), /DeviceNotFound/);
      });

      test('across a snapshot save and restore: the lease and MAC, the saved server on the launch forward, new traffic', async () => {
        assert.ok(engine);
        const client = engine.client;
        const guest = engineConsole(client);
        // A server saved in the guest's RAM (the launch-time forward's earlier one has ended): the restored guest must still answer on it.
        await guestServer(client, 8081, 'saved-banner');
        const saveStarted = Date.now();
        await job(client, 'snapshot-save', 'with-network');
        process.stdout.write(`# ${backend}: snapshot-save ${Date.now() - saveStarted} ms\n`);

        // What the restore must undo: a file, the lease's address flushed and the card taken down.
        await guestRun(guest, 'touch /tmp/after-save; ip addr flush dev eth0; ip link set eth0 down');
        const cut = await shell(client, guestFetch(`http://10.0.2.2:${httpPort}/`, 4));
        assert.notEqual(cut.status, 0, `the guest fetched with its card down:\n${cut.raw}`);

        const loadStarted = Date.now();
        await job(client, 'snapshot-load', 'with-network');
        process.stdout.write(`# ${backend}: snapshot-load ${Date.now() - loadStarted} ms\n`);
        assert.equal(((await client.execute('query-status')) as { status: string }).status, 'running');
        const restored = await shell(client, 'test ! -e /tmp/after-save && cat /sys/class/net/eth0/address && ip -4 addr show eth0');
        assert.equal(restored.status, 0, `the saved guest came back:\n${restored.raw}`);
        // The interface flags, not operstate: ne2k reports no carrier, so its operstate is "unknown".
        assert.match(restored.output, /eth0: <[^>]*\bUP\b[^>]*>/, 'the card is up again');
        assert.match(restored.output, new RegExp(`^${mac}$`, 'm'), 'with its MAC');
        assert.match(restored.output, /inet 10\.0\.2\.15\//, 'and its lease');
        const state = (await client.execute('query-network')) as NetworkState;
        assert.equal(state.mac, mac);
        assert.equal(state.link, true);
        assert.equal(state.forwards.find((forward) => forward['host-port'] === launchPort)?.status, 'active');

        // The server saved in RAM answers on the launch-time forward (host → guest, both ways).
        const mark = client.events.length;
        assert.match(await talk(launchPort, /saved-banner/, 'after-restore\n', 30_000), /saved-banner/);
        await waitForSerial(guest, /guest-got:after-restore/, 30_000, `${backend} data into the restored guest`, mark);
        // Guest → host, and a forward added after the restore.
        const fetched = await shell(client, fetchPage(httpPort));
        assert.equal(fetched.status, 0, fetched.raw);
        assert.equal(fetched.output, page);
        const hostPort = await freePort();
        await guestServer(client, 8082, 'new-banner');
        await client.execute('network-forward-add', { 'host-port': hostPort, 'guest-port': 8082 });
        const newMark = client.events.length;
        assert.match(await talk(hostPort, /new-banner/, 'new-forward\n'), /new-banner/);
        await waitForSerial(guest, /guest-got:new-forward/, 30_000, `${backend} data through a forward added after the restore`, newMark);
      });

      test('the guest printed booted, net and ready in order and answers a command typed on COM1', async () => {
        assert.ok(engine);
        assert.match(serialText(engineConsole(engine.client)), /hangar-guest: booted[\s\S]*hangar-guest: net [^\n]*[\s\S]*hangar-guest: ready/);
        assert.match((await shell(engine.client, 'echo sum=$((40+2)); uname -m')).output, /sum=42\s+i686/);
      });

      test('keeps every PCI device with ACPI on (no hotplug ejection)', async () => {
        assert.ok(engine);
        // With ACPI on and the hotplug ports unanswered, Linux ejected every device in slot 3+.
        const result = await shell(engine.client, 'sleep 3; echo PCI$((6*7)) $(cat /sys/bus/pci/devices/*/class) end', 30_000);
        const classes = /PCI42 ([^\n]*) end/.exec(result.output)?.[1]?.trim().split(/\s+/) ?? [];
        assert.ok(classes.some((value) => value.startsWith('0x0300')), `a VGA controller is present: ${classes.join(' ')}`);
        assert.ok(classes.some((value) => value.startsWith('0x0101')), `an IDE controller is present: ${classes.join(' ')}`);
      });

      test('runtime media: mount /dev/sr0 after a disc swap reads the new disc', async () => {
        assert.ok(engine);
        const guest = engineConsole(engine.client);
        // Read the boot disc first, so the old disc's size and blocks are what Linux has cached.
        const before = await guestRun(guest, 'mkdir -p /mnt/cd && mount -t iso9660 -o ro /dev/sr0 /mnt/cd && ls /mnt/cd && umount /mnt/cd', 120_000);
        assert.match(before, /isolinux/i, 'the boot disc is readable');
        const tree = join(folder, `${backend}-tree`);
        mkdirSync(tree);
        writeFileSync(join(tree, 'SWAPPED.TXT'), 'the new disc\n');
        const iso = join(folder, `${backend}-swapped.iso`);
        execFileSync('xorriso', ['-as', 'mkisofs', '-quiet', '-V', 'SWAPPED', '-o', iso, tree], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
        await engine.client.execute('blockdev-change-medium', { id: 'cd0', filename: iso }, 60_000);
        const after = await guestRun(guest, 'mount -t iso9660 -o ro /dev/sr0 /mnt/cd && ls /mnt/cd && cat /mnt/cd/* && umount /mnt/cd', 120_000);
        assert.match(after, /swapped\.txt/i, `the guest listed: ${after}`);
        assert.match(after, /the new disc/);
        assert.doesNotMatch(after, /isolinux/i);
      });

      test('a guest power-off is seen by the engine (ACPI S5)', async () => {
        assert.ok(engine);
        const client = engine.client;
        const since = client.events.length;
        await client.execute('serial-write', { data: 'poweroff -f\n' });
        const deadline = Date.now() + 60_000;
        while (!client.events.slice(since).some((event) => event.event === 'SHUTDOWN')) {
          if (Date.now() > deadline) assert.fail(`${backend}: no SHUTDOWN event after poweroff -f`);
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
        assert.equal(((await client.execute('query-status')) as { status: string }).status, 'shutdown');
      });
    });

    describe(`${backend}: isolated`, { concurrency: false }, () => {
      let engine: EngineProcess | undefined;
      after(async () => engine?.stop());

      test('still leases 10.0.2.15 and takes forwards, but cannot reach the host through 10.0.2.2', async () => {
        const booted = await boot(backend, ['--nic', 'isolated', '--nic-model', backend === 'qemu' ? 'virtio-net-pci' : 'virtio']);
        engine = booted.engine;
        assert.equal(booted.marker, 'net eth0 10.0.2.15');
        const state = (await engine.client.execute('query-network')) as NetworkState;
        assert.equal(state.mode, 'isolated');
        const address = await shell(engine.client, 'cat /sys/class/net/eth0/address');
        assert.match(address.output, new RegExp(`^${state.mac}\\s*$`, 'm'), 'the virtio card has the generated MAC');
        const blocked = await shell(engine.client, fetchPage(httpPort));
        assert.notEqual(blocked.status, 0, `the isolated guest reached the host:\n${blocked.output}`);
        assert.doesNotMatch(blocked.output, new RegExp(`${page}\\s`));
        const hostPort = await freePort();
        await guestServer(engine.client, 8080, 'isolated-banner');
        await engine.client.execute('network-forward-add', { 'host-port': hostPort, 'guest-port': 8080 });
        assert.match(await talk(hostPort, /isolated-banner/, 'into-isolated\n'), /isolated-banner/);
        await waitForText(engine.client, /guest-got:into-isolated/, 20_000, `${backend} isolated forward`);
      });
    });
   });
  }
});
