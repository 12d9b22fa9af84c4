/**
 * Engine protocol conformance: a guest with a network card survives a snapshot save and restore
 * on both engines. The Linux test guest leases 10.0.2.15, starts a server behind a launch-time
 * forward, and is saved; then its card is taken down and a file written; the restore brings back
 * the saved guest (no file, card up with its lease and MAC) and its network works: the server
 * saved in RAM answers on the same forward, the guest fetches from host loopback, and a forward
 * added after the restore carries data. QEMU keeps RAM snapshots in a qcow2 disk, so it gets one.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import type { Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { startEngine } from '../support/engine-process.js';
import { engineConsole, ensureGuestIso, freePort, guestFetch, guestRun, guestShell, startGuestServer, talk, waitForGuestBoot, waitForSerial } from '../support/linux-guest.js';
import type { QmpClient } from '../support/qmp-client.js';
import { conformanceBackends, engineArguments } from './backends.js';

const execFileAsync = promisify(execFile);
const page = 'hangar-snapshot-page-ok';
let guestIso = '';
let http: HttpServer;
let httpPort = 0;

before(async () => {
  guestIso = ensureGuestIso();
  http = createHttpServer((_request, response) => response.end(`${page}\n`));
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  httpPort = (http.address() as AddressInfo).port;
});
after(async () => {
  await new Promise((resolve) => http?.close(resolve));
});

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
  mac: string;
  link: boolean;
  forwards: { 'host-port': number; status: string }[];
}

// The two backends in parallel, one engine each: the machine has 2 cores.
describe('a guest with a network card across snapshot save and restore', { concurrency: true }, () => {
  for (const backend of conformanceBackends) {
    test(`${backend}: after the restore the guest has its lease and MAC, its saved server answers on the forward, and new traffic flows`, { timeout: 600_000 }, async () => {
      const folder = mkdtempSync(join(tmpdir(), 'hangar-net-snapshot-'));
      chmodSync(folder, 0o700);
      const disk: string[] = [];
      if (backend === 'qemu') {
        const path = join(folder, 'disk.qcow2');
        await execFileAsync('qemu-img', ['create', '-q', '-f', 'qcow2', path, '16M'], { timeout: 30_000 });
        disk.push('--disk', path, '--disk-format', 'qcow2', '--boot', 'cdrom,disk');
      }
      const mac = backend === 'qemu' ? '52:54:00:5a:01:01' : '52:54:00:5a:86:01';
      const launchPort = await freePort();
      const engine = await startEngine({
        engine: backend,
        memoryMib: 256,
        cdrom: guestIso,
        args: [...disk, ...engineArguments[backend], '--nic', 'nat', '--mac', mac, '--forward', `tcp:${launchPort}:8081`],
        timeoutMs: 120_000,
      });
      try {
        const client = engine.client;
        const guest = engineConsole(client);
        assert.equal((await waitForGuestBoot(guest, { timeoutMs: 300_000, what: `${backend} boot` })).net, 'net eth0 10.0.2.15');
        // A server saved in the guest's RAM: the restored guest must still answer on it.
        await startGuestServer(guest, 8081, 'saved-banner');
        const saveStarted = Date.now();
        await job(client, 'snapshot-save', 'with-network');
        process.stdout.write(`# ${backend}: snapshot-save ${Date.now() - saveStarted} ms\n`);

        // What the restore must undo: a file, the lease's address flushed and the card taken down.
        await guestRun(guest, 'touch /tmp/after-save; ip addr flush dev eth0; ip link set eth0 down');
        const cut = await guestShell(guest, guestFetch(`http://10.0.2.2:${httpPort}/`, 4));
        assert.notEqual(cut.status, 0, `the guest fetched with its card down:\n${cut.raw}`);

        const loadStarted = Date.now();
        await job(client, 'snapshot-load', 'with-network');
        process.stdout.write(`# ${backend}: snapshot-load ${Date.now() - loadStarted} ms\n`);
        assert.equal(((await client.execute('query-status')) as { status: string }).status, 'running');
        const restored = await guestShell(guest, 'test ! -e /tmp/after-save && cat /sys/class/net/eth0/address && ip -4 addr show eth0');
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
        const fetched = await guestShell(guest, guestFetch(`http://10.0.2.2:${httpPort}/`));
        assert.equal(fetched.status, 0, fetched.raw);
        assert.equal(fetched.output, page);
        const hostPort = await freePort();
        await startGuestServer(guest, 8082, 'new-banner');
        await client.execute('network-forward-add', { 'host-port': hostPort, 'guest-port': 8082 });
        const newMark = client.events.length;
        assert.match(await talk(hostPort, /new-banner/, 'new-forward\n'), /new-banner/);
        await waitForSerial(guest, /guest-got:new-forward/, 30_000, `${backend} data through a forward added after the restore`, newMark);
      } finally {
        await engine.stop();
        rmSync(folder, { recursive: true, force: true });
      }
    });
  }
});
