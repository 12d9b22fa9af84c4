/**
 * Networking through the app: a QEMU machine created with network settings boots the Linux test
 * guest (scripts/build-test-guest.sh), which gets its DHCP lease with the machine's stored MAC;
 * a forward added live through the API reaches a server in the guest (data both ways) and is
 * stored; a forward on a busy host port is refused and not stored; removal and the cable reach
 * the engine and the settings. One machine, one boot.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo, Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { HangarCore } from '../../src/main/core/hangar-core.js';
import type { ApiArgs, ApiCallName, ApiValue } from '../../src/shared/protocol/api/client.js';
import { coreConsole, ensureGuestIso, freePort, guestShell, startGuestServer, talk, waitForGuestBoot, waitForSerial } from '../support/linux-guest.js';
import type { GuestConsole } from '../support/linux-guest.js';

const home = mkdtempSync(join(tmpdir(), 'hangar-app-network-'));
let guestIso = '';
let core: HangarCore;
let busy: Server;
let busyPort = 0;

before(async () => {
  guestIso = ensureGuestIso();
  core = await HangarCore.open({ folder: home });
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

let guest: GuestConsole & { close(): void };
after(() => guest?.close());

const waitForText = (pattern: RegExp, timeoutMs: number, what: string, from = 0): Promise<RegExpExecArray> => waitForSerial(guest, pattern, timeoutMs, what, from);
const shell = async (command: string, timeoutMs?: number): Promise<number> => (await guestShell(guest, command, timeoutMs)).status;

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

  guest = coreConsole(core, machine.id);
  await ok('vm.start', { id: machine.id });
  assert.equal((await waitForGuestBoot(guest, { timeoutMs: 300_000 })).net, 'net eth0 10.0.2.15', 'DHCP lease');
  // The guest's card carries the machine's stored MAC.
  assert.equal(await shell(`cat /sys/class/net/eth0/address | grep -x ${mac}`), 0);

  const live = await ok('vm.network', { id: machine.id });
  assert.equal(live.running, true);
  assert.equal(live.mac, mac);
  assert.equal(live.model, 'e1000');
  assert.deepEqual(live.forwards.map((forward) => [forward.hostPort, forward.guestPort, forward.status, forward.name]), [[stored, 7000, 'active', 'stored']]);

  // A server in the guest, reached through a forward added while it runs.
  await startGuestServer(guest, 8080, 'hello-from-guest');
  const hostPort = await freePort();
  await ok('vm.forward-add', { id: machine.id, hostPort, guestPort: 8080, name: 'web' });
  const from = guest.events.length;
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
