// Benchmark: 64 MiB sequential read and write through a shared folder (9P2000.L, virtio) in the
// Linux test guest (scripts/build-test-guest.sh) on each engine — v86 (diod confined by bubblewrap
// behind the engine's handle9p bridge) and QEMU (its own virtio-9p-pci, TCG) — beside a host `cp`
// of the same file. In the guest: `dd if=/mnt/read.bin of=/dev/null bs=64k` (read; the mount has
// no cache, every byte crosses 9P) and `dd if=/dev/zero of=/mnt/write.bin bs=64k count=1024 && sync`
// (write). Times are the guest command's wall time as the host sees it, less the round trip of an
// empty command on the same serial console. Prints MiB/s per engine, median of `runs`, and the
// ratio to the host copy.
//
// Run: node --import tsx bench/share-throughput.ts [runs] [engine…]
//   runs: passes per engine (one boot each engine; default 3). Engine words: v86, qemu (default both).
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { engineArguments } from '../test/conformance/backends.js';
import { startEngine } from '../test/support/engine-process.js';
import { engineConsole, ensureGuestIso, guestRun, waitForGuestBoot } from '../test/support/linux-guest.js';

const MIB = 1024 * 1024;
const sizeMib = 64;
const runs = Number(process.argv[2] ?? 3);
const words = process.argv.slice(3);
const engines = (['v86', 'qemu'] as const).filter((engine) => words.length === 0 || words.includes(engine));

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

const rate = (seconds: number): number => sizeMib / seconds;

const root = mkdtempSync(join(tmpdir(), 'hangar-bench-share-'));
const share = join(root, 'share');
mkdirSync(share);
const source = join(share, 'read.bin');
writeFileSync(source, randomBytes(sizeMib * MIB));

function hostCopySeconds(): number {
  const started = process.hrtime.bigint();
  execFileSync('cp', [source, join(root, 'host-copy.bin')]);
  execFileSync('sync');
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  rmSync(join(root, 'host-copy.bin'));
  return seconds;
}

try {
  const iso = ensureGuestIso();
  const host = median(Array.from({ length: runs }, hostCopySeconds));
  console.log(`host cp of ${sizeMib} MiB (+ sync): ${rate(host).toFixed(0)} MiB/s`);
  const rows: string[] = [];
  for (const engine of engines) {
    const started = Date.now();
    const vm = await startEngine({ engine, memoryMib: 256, cdrom: iso, args: [...engineArguments[engine], '--nic', 'none', '--share', `${share}:bench`], timeoutMs: 120_000 });
    try {
      const guest = engineConsole(vm.client);
      await waitForGuestBoot(guest, { timeoutMs: 300_000, what: `${engine} boot` });
      console.log(`${engine}: guest ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      await guestRun(guest, 'mount -t 9p -o trans=virtio,version=9p2000.L host9p /mnt');
      const timed = async (command: string): Promise<number> => {
        const begin = Date.now();
        await guestRun(guest, command, 600_000);
        return (Date.now() - begin) / 1000;
      };
      const roundTrip = median([await timed('true'), await timed('true'), await timed('true')]);
      const reads: number[] = [];
      const writes: number[] = [];
      for (let run = 0; run < runs; run++) {
        reads.push(Math.max(0.001, (await timed('dd if=/mnt/read.bin of=/dev/null bs=64k 2>/dev/null')) - roundTrip));
        writes.push(Math.max(0.001, (await timed(`dd if=/dev/zero of=/mnt/write.bin bs=64k count=${sizeMib * 16} 2>/dev/null && sync`)) - roundTrip));
        await guestRun(guest, 'rm /mnt/write.bin');
      }
      const read = rate(median(reads));
      const write = rate(median(writes));
      console.log(`${engine}: read ${read.toFixed(1)} MiB/s, write ${write.toFixed(1)} MiB/s (median of ${runs}; console round trip ${(roundTrip * 1000).toFixed(0)} ms subtracted)`);
      rows.push(`${engine.padEnd(5)} read ${read.toFixed(1).padStart(7)} MiB/s (${(read / rate(host)).toFixed(3)} of host cp)   write ${write.toFixed(1).padStart(7)} MiB/s (${(write / rate(host)).toFixed(3)} of host cp)`);
    } finally {
      await vm.stop();
    }
  }
  console.log(`\n${sizeMib} MiB sequential through the share, host cp ${rate(host).toFixed(0)} MiB/s:`);
  for (const row of rows) console.log(row);
} finally {
  rmSync(root, { recursive: true, force: true });
}
