/**
 * Engine protocol conformance: every network card model the QEMU engine offers gets a working
 * card in the Linux test guest (scripts/build-test-guest.sh): the guest's own driver binds it,
 * it gets 10.0.2.15 by DHCP with the planned MAC and fetches a page from host loopback through
 * 10.0.2.2. One short boot per model, two at a time (the machine has 2 cores). The default
 * model, e1000, is checked the same way (driver, lease, MAC, a fetch from the host) on the NAT
 * guest of test/conformance/network.test.ts, which boots anyway.
 */
import assert from 'node:assert/strict';
import { createServer as createHttpServer } from 'node:http';
import type { Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { startEngine } from '../support/engine-process.js';
import { engineConsole, ensureGuestIso, guestFetch, guestShell, waitForGuestBoot } from '../support/linux-guest.js';
import { engineArguments } from './backends.js';

const page = 'hangar-model-page-ok';
/** QEMU's card models and the guest's driver that binds each (RTL8139C+: either Realtek driver). */
const models: readonly (readonly [string, RegExp])[] = [
  ['rtl8139', /^8139(cp|too)$/],
  ['ne2k_pci', /^ne2k-pci$/],
  ['virtio-net-pci', /^virtio_net$/],
  ['pcnet', /^pcnet32$/],
];

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

// Two boots at a time: each model is its own describe, and the runner starts at most two of them.
describe('qemu network card models', { concurrency: 2 }, () => {
  models.forEach(([model, driver], index) => {
    test(`${model}: the guest's driver binds it, leases 10.0.2.15 with the planned MAC and reaches the host`, { timeout: 300_000 }, async () => {
      const mac = `52:54:00:4d:00:0${index + 1}`;
      const engine = await startEngine({ engine: 'qemu', memoryMib: 256, cdrom: guestIso, args: [...engineArguments.qemu, '--nic', 'nat', '--nic-model', model, '--mac', mac], timeoutMs: 120_000 });
      try {
        const guest = engineConsole(engine.client);
        const booted = await waitForGuestBoot(guest, { timeoutMs: 240_000, what: `${model} boot` });
        process.stdout.write(`# ${model}: DHCP lease ${booted.netMs} ms after the engine served QMP\n`);
        assert.equal(booted.net, 'net eth0 10.0.2.15');
        const state = (await engine.client.execute('query-network')) as { model: string; mac: string };
        assert.deepEqual([state.model, state.mac], [model, mac]);
        const bound = await guestShell(guest, 'basename $(readlink /sys/class/net/eth0/device/driver); cat /sys/class/net/eth0/address');
        assert.equal(bound.status, 0, bound.raw);
        const [name, address] = bound.output.split('\n');
        assert.match(name ?? '', driver, `the guest's driver for ${model}`);
        assert.equal(address, mac);
        const fetched = await guestShell(guest, guestFetch(`http://10.0.2.2:${httpPort}/`));
        assert.equal(fetched.status, 0, fetched.raw);
        assert.equal(fetched.output, page);
      } finally {
        await engine.stop();
      }
    });
  });
});
