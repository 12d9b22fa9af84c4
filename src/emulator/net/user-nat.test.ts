/**
 * The v86 NAT process against real QEMU (slirp), driven with hand-made Ethernet frames as a
 * guest NIC would send them: DHCP gets the guest its address, ARP finds the gateway, a host
 * connection to a forward reaches the guest as a TCP SYN, a busy host port is refused with a
 * sentence and the NAT runs on, and close() ends the QEMU process.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import type { Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { UserNat, UserNatError } from './user-nat.js';

const runtimeDir = mkdtempSync(join(tmpdir(), 'hangar-nat-'));
after(() => rmSync(runtimeDir, { recursive: true, force: true }));

const guestMac = [0x52, 0x54, 0x00, 0x12, 0x34, 0x56];

function checksum(bytes: Uint8Array): number {
  let sum = 0;
  for (let index = 0; index < bytes.length; index += 2) sum += ((bytes[index] ?? 0) << 8) | (bytes[index + 1] ?? 0);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/** An Ethernet + IPv4 + UDP frame (UDP checksum 0: allowed over IPv4). */
function udpFrame(source: number[], destination: number[], sourcePort: number, destinationPort: number, payload: Uint8Array): Uint8Array {
  const ip = Buffer.alloc(20 + 8 + payload.length);
  ip.writeUInt8(0x45, 0);
  ip.writeUInt16BE(ip.length, 2);
  ip.writeUInt8(64, 8);
  ip.writeUInt8(17, 9);
  ip.set(source, 12);
  ip.set(destination, 16);
  ip.writeUInt16BE(checksum(ip.subarray(0, 20)), 10);
  ip.writeUInt16BE(sourcePort, 20);
  ip.writeUInt16BE(destinationPort, 22);
  ip.writeUInt16BE(8 + payload.length, 24);
  ip.set(payload, 28);
  return Buffer.concat([Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, ...guestMac, 0x08, 0x00]), ip]);
}

function dhcpDiscover(): Uint8Array {
  const bootp = Buffer.alloc(240 + 4);
  bootp.set([1, 1, 6, 0], 0);
  bootp.writeUInt32BE(0x1234abcd, 4);
  bootp.writeUInt16BE(0x8000, 10);
  bootp.set(guestMac, 28);
  bootp.set([0x63, 0x82, 0x53, 0x63], 236);
  bootp.set([53, 1, 1, 255], 240);
  return udpFrame([0, 0, 0, 0], [255, 255, 255, 255], 68, 67, bootp);
}

function arpRequest(target: number[]): Uint8Array {
  const arp = Buffer.alloc(28);
  arp.set([0, 1, 8, 0, 6, 4, 0, 1], 0);
  arp.set(guestMac, 8);
  arp.set([10, 0, 2, 15], 14);
  arp.set(target, 24);
  return Buffer.concat([Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, ...guestMac, 0x08, 0x06]), arp]);
}

/** Collects frames from the NAT; `next(match)` waits (at most 10 s) for one that matches. */
function frameCollector(): { onFrame: (frame: Uint8Array) => void; next: (what: string, match: (frame: Buffer) => boolean) => Promise<Buffer> } {
  const frames: Buffer[] = [];
  const waiters = new Set<() => void>();
  return {
    onFrame: (frame) => {
      frames.push(Buffer.from(frame));
      for (const wake of waiters) wake();
    },
    next: (what, match) =>
      new Promise((resolve, reject) => {
        const look = (): boolean => {
          const index = frames.findIndex(match);
          if (index < 0) return false;
          const [found] = frames.splice(index, 1);
          waiters.delete(wake);
          clearTimeout(timer);
          resolve(found as Buffer);
          return true;
        };
        const wake = (): void => void look();
        const timer = setTimeout(() => {
          waiters.delete(wake);
          reject(new Error(`no ${what} from the NAT within 10 s (${frames.length} other frames)`));
        }, 10_000);
        waiters.add(wake);
        look();
      }),
  };
}

const isDhcpOffer = (frame: Buffer): boolean => frame.readUInt16BE(12) === 0x0800 && frame[23] === 17 && frame.readUInt16BE(36) === 68 && frame[42] === 2;

test('DHCP, ARP, a forward that reaches the guest as a SYN, a refused busy port, and close ends QEMU', async () => {
  const frames = frameCollector();
  const ends: string[] = [];
  const nat = await UserNat.start({ runtimeDir, onFrame: frames.onFrame, onEnd: (reason) => ends.push(reason) });
  let busy: Server | undefined;
  try {
    nat.send(dhcpDiscover());
    const offer = await frames.next('DHCP offer', isDhcpOffer);
    assert.deepEqual([...offer.subarray(42 + 16, 42 + 20)], [10, 0, 2, 15], 'the guest is offered 10.0.2.15');

    nat.send(arpRequest([10, 0, 2, 2]));
    const reply = await frames.next('ARP reply for the gateway', (frame) => frame.readUInt16BE(12) === 0x0806 && frame.readUInt16BE(20) === 2);
    assert.deepEqual([...reply.subarray(28, 32)], [10, 0, 2, 2]);

    // A forward: a host connection makes slirp open a TCP connection to the guest (a SYN frame).
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const hostPort = (probe.address() as { port: number }).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    await nat.addForward({ protocol: 'tcp', hostAddress: '127.0.0.1', hostPort, guestPort: 8022 });
    assert.deepEqual(nat.listForwards().map((forward) => forward.hostPort), [hostPort]);
    const client = connect(hostPort, '127.0.0.1');
    client.on('error', () => undefined);
    const syn = await frames.next('TCP SYN to the guest', (frame) => frame.readUInt16BE(12) === 0x0800 && frame[23] === 6 && frame.readUInt16BE(36) === 8022 && ((frame[47] ?? 0) & 0x02) !== 0);
    assert.deepEqual([...syn.subarray(30, 34)], [10, 0, 2, 15], 'to the guest\'s address');
    client.destroy();

    // A host port another program holds: refused with a sentence; the NAT keeps running.
    busy = createServer();
    await new Promise<void>((resolve) => busy?.listen(0, '127.0.0.1', resolve));
    const taken = (busy.address() as { port: number }).port;
    await assert.rejects(nat.addForward({ protocol: 'tcp', hostAddress: '127.0.0.1', hostPort: taken, guestPort: 80 }), (error: unknown) => error instanceof UserNatError && /in use by another program/.test(error.message) && error.message.includes(String(taken)));
    assert.equal(nat.running, true);
    await assert.rejects(nat.addForward({ protocol: 'tcp', hostAddress: 'localhost', hostPort: 1, guestPort: 80 }), /not an IPv4 address/);

    await nat.removeForward({ protocol: 'tcp', hostAddress: '127.0.0.1', hostPort });
    assert.deepEqual(nat.listForwards(), []);
    await assert.rejects(nat.removeForward({ protocol: 'tcp', hostAddress: '127.0.0.1', hostPort }), /No forward listens/);
  } finally {
    busy?.close();
    const pid = nat.pid;
    nat.close();
    assert.equal(nat.running, false);
    // The QEMU process is gone within 5 s.
    const deadline = Date.now() + 5000;
    let alive = true;
    while (alive && Date.now() < deadline) {
      try {
        process.kill(pid ?? -1, 0);
        await new Promise((resolve) => setTimeout(resolve, 50));
      } catch {
        alive = false;
      }
    }
    assert.equal(alive, false, 'the NAT process ended');
    assert.deepEqual(ends, [], 'a close is not reported as an unexpected end');
  }
});

test('an isolated NAT still answers DHCP, and a missing QEMU is a clear error', async () => {
  const frames = frameCollector();
  const nat = await UserNat.start({ runtimeDir, isolated: true, onFrame: frames.onFrame });
  try {
    nat.send(dhcpDiscover());
    await frames.next('DHCP offer', isDhcpOffer);
  } finally {
    nat.close();
  }
  await assert.rejects(UserNat.start({ runtimeDir, qemuBinary: '/nonexistent/qemu-system-x86_64', onFrame: () => undefined }), (error: unknown) => error instanceof UserNatError && /install qemu-system-x86/.test(error.message));
});
