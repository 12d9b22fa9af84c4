/**
 * Networking through the app: a QEMU machine created with network settings boots the Linux test
 * guest (scripts/build-test-guest.sh), which gets its DHCP lease with the machine's stored MAC;
 * a forward added live through the API reaches a server in the guest (data both ways) and is
 * stored; a forward on a busy host port is refused and not stored; removal and the cable reach
 * the engine and the settings. One machine, one boot.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import type { AddressInfo, Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { HangarCore } from '../../src/main/core/hangar-core.js';
import type { CoreEvent } from '../../src/main/core/hangar-core.js';
import type { ApiArgs, ApiCallName, ApiValue } from '../../src/shared/protocol/api/client.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const guestFolder = join(root, 'test-artifacts', 'guest');
const guestIso = join(guestFolder, 'linux-test-guest.iso');
const home = mkdtempSync(join(tmpdir(), 'hangar-app-network-'));
let core: HangarCore;
const events: CoreEvent[] = [];
let busy: Server;
let busyPort = 0;

before(async () => {
  execFileSync('bash', [join(root, 'scripts', 'build-test-guest.sh'), guestFolder], { stdio: ['ignore', 'inherit', 'inherit'], timeout: 300_000 });
  assert.ok(existsSync(guestIso), `${guestIso} was not built`);
  core = await HangarCore.open({ folder: home });
  core.subscribe((event) => events.push(event));
  busy = createServer();
  await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
  busyPort = (busy.address() as AddressInfo).port;
});
after(async () => {
  await core?.close();
  await new Promise((resolve) => busy?.close(resolve));
  rmSync(home, { recursive: true, force: true });
});

/** One API call's result, typed by the call. */
async function api<N extends ApiCallName>(name: N, args: ApiArgs<N>): Promise<{ ok: true; value: ApiValue<N> } | { ok: false; error: { class: string; desc: string } }> {
  return (await core.call(name, args)) as { ok: true; value: ApiValue<N> } | { ok: false; error: { class: string; desc: string } };
}

/** One API call's value; a failure fails the test with its sentence. */
async function ok<N extends ApiCallName>(name: N, args: ApiArgs<N>): Promise<ApiValue<N>> {
  const settled = await api(name, args);
  if (!settled.ok) assert.fail(`${name}: ${settled.error.class}: ${settled.error.desc}`);
  return settled.value;
}

function serialText(from = 0): string {
  return events
    .slice(from)
    .filter((event) => event.event === 'SERIAL_OUTPUT')
    .map((event) => Buffer.from((event.data as { data: string }).data, 'base64').toString('latin1'))
    .join('');
}

async function waitForText(pattern: RegExp, timeoutMs: number, what: string, from = 0): Promise<RegExpExecArray> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const match = pattern.exec(serialText(from));
    if (match) return match;
    if (Date.now() > deadline) assert.fail(`${what}: no ${pattern} on COM1 within ${timeoutMs} ms; got:\n${serialText(from).slice(-2000)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

let commandCount = 0;
async function shell(id: string, command: string, timeoutMs = 60_000): Promise<number> {
  const marker = ++commandCount;
  const from = events.length;
  await ok('vm.serial-write', { id, data: `${command}; echo "END${marker}-$((1000+$?))"\n` });
  const match = await waitForText(new RegExp(`END${marker}-1(\\d{3})`), timeoutMs, `"${command}"`, from);
  return Number(match[1]);
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Connects to 127.0.0.1:port, waits for `expect`, sends `send`; rejects after timeoutMs. */
function talk(port: number, expect: RegExp, send: string, timeoutMs = 20_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let received = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no ${expect} from 127.0.0.1:${port} within ${timeoutMs} ms (got ${JSON.stringify(received)})`));
    }, timeoutMs);
    socket.on('data', (chunk) => {
      received += chunk.toString('latin1');
      if (expect.test(received)) {
        socket.write(send);
        clearTimeout(timer);
        setTimeout(() => {
          socket.destroy();
          resolve(received);
        }, 500);
      }
    });
    socket.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

test('a forward added live through the API reaches a server in the guest and is stored', { timeout: 600_000 }, async () => {
  const stored = await freePort();
  const machine = await ok('machines.create', {
      name: 'Net guest',
      engine: 'qemu',
      memoryMib: 256,
      cdrom: guestIso,
      network: { mode: 'nat', model: 'e1000', forwards: [{ hostPort: stored, guestPort: 7000, name: 'stored' }] },
    });
  assert.equal(machine.network?.mode, 'nat');
  const mac = machine.network?.mac ?? '';
  await ok('machines.update', { id: machine.id, patch: { forceTcg: true } });

  const stopped = await ok('vm.network', { id: machine.id });
  assert.equal(stopped.running, false);
  assert.deepEqual(stopped.forwards.map((forward) => [forward.hostPort, forward.status]), [[stored, 'stored']]);

  await ok('vm.start', { id: machine.id });
  await waitForText(/hangar-guest: net eth0 10\.0\.2\.15/, 300_000, 'DHCP lease');
  await waitForText(/hangar-guest: ready/, 60_000, 'guest ready');
  await waitForText(/\/ # /, 30_000, 'shell prompt');
  // The guest's card carries the machine's stored MAC.
  assert.equal(await shell(machine.id, `cat /sys/class/net/eth0/address | grep -x ${mac}`), 0);

  const live = await ok('vm.network', { id: machine.id });
  assert.equal(live.running, true);
  assert.equal(live.mac, mac);
  assert.equal(live.model, 'e1000');
  assert.deepEqual(live.forwards.map((forward) => [forward.hostPort, forward.guestPort, forward.status, forward.name]), [[stored, 7000, 'active', 'stored']]);

  // A server in the guest, reached through a forward added while it runs.
  const script = `printf '#!/bin/sh\\necho hello-from-guest\\nread line\\necho "guest-got:$line" > /dev/ttyS0\\n' > /tmp/srv; chmod +x /tmp/srv`;
  assert.equal(await shell(machine.id, script), 0);
  await ok('vm.serial-write', { id: machine.id, data: '(nc -l -p 8080 -e /tmp/srv &) \n' });
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const hostPort = await freePort();
  await ok('vm.forward-add', { id: machine.id, hostPort, guestPort: 8080, name: 'web' });
  const from = events.length;
  assert.match(await talk(hostPort, /hello-from-guest/, 'host-says-hi\n'), /hello-from-guest/);
  await waitForText(/guest-got:host-says-hi/, 30_000, 'data into the guest', from);
  const afterAdd = (await ok('machines.get', { id: machine.id })).network;
  assert.deepEqual(afterAdd?.forwards.map((forward) => forward.hostPort), [stored, hostPort], 'the live forward is stored');

  // A busy host port: refused with the reason, nothing stored, the guest runs on.
  const refused = await api('vm.forward-add', { id: machine.id, hostPort: busyPort, guestPort: 8080 });
  assert.equal(refused.ok, false);
  assert.equal(refused.ok ? '' : refused.error.class, 'Conflict');
  assert.match(refused.ok ? '' : refused.error.desc, /in use|nothing was stored/);
  assert.deepEqual((await ok('machines.get', { id: machine.id })).network?.forwards.length, 2);
  // A duplicate host port never reaches the engine.
  const duplicate = await api('vm.forward-add', { id: machine.id, hostPort, guestPort: 9000 });
  assert.equal(duplicate.ok ? '' : duplicate.error.class, 'InvalidArgument');

  // Removal reaches the engine and the settings.
  await ok('vm.forward-remove', { id: machine.id, hostPort });
  const afterRemove = await ok('vm.network', { id: machine.id });
  assert.deepEqual(afterRemove.forwards.map((forward) => forward.hostPort), [stored]);
  assert.deepEqual((await ok('machines.get', { id: machine.id })).network?.forwards.map((forward) => forward.hostPort), [stored]);
  const missing = await api('vm.forward-remove', { id: machine.id, hostPort });
  assert.equal(missing.ok ? '' : missing.error.class, 'NotFound');

  // The cable: the engine's link and the stored setting.
  await ok('vm.set-link', { id: machine.id, up: false });
  assert.equal((await ok('vm.network', { id: machine.id })).connected, false);
  assert.equal((await ok('machines.get', { id: machine.id })).network?.connected, false);

  await ok('vm.poweroff', { id: machine.id });
});
