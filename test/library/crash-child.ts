// Child process for the crash test: opens a library and writes to it in a loop (machines, disks,
// snapshots with self-verifying state files, media, settings) until it is killed. Each snapshot's
// description holds the SHA-256 of its state file so the parent can prove no row points at a
// partial file. Prints "ready" once the library is open and "op N" after each operation.
import { createHash, randomBytes } from 'node:crypto';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { Library } from '../../src/library/index.js';

const folder = process.argv[2];
if (!folder) throw new Error('usage: crash-child.ts <library folder>');
const library = await Library.open(folder, { watch: false });
process.stdout.write('ready\n');

let operation = 0;
for (;;) {
  operation++;
  const choice = operation % 7;
  const machines = library.machines.list();
  if (machines.length < 3 || choice === 0) {
    library.machines.create({ name: `crash ${process.pid} ${operation}`, osId: 'other', engine: 'qemu', memoryMib: 256 });
  } else {
    const machine = machines[operation % machines.length];
    if (!machine) continue;
    if (choice === 1 || choice === 2 || choice === 3) {
      const state = randomBytes(256 * 1024 + (operation % 5) * 300 * 1024);
      library.snapshots.take(machine.id, {
        name: `snap ${operation}`,
        description: createHash('sha256').update(state).digest('hex'),
        engine: 'qemu',
        engineVersion: '7.2',
        state,
      });
    } else if (choice === 4) {
      const snapshots = library.snapshots.list(machine.id);
      const victim = snapshots[operation % Math.max(1, snapshots.length)];
      if (victim) library.snapshots.delete(victim.id);
    } else if (choice === 5) {
      await library.createDisk(machine.id, { name: `disk-${process.pid}-${operation}`, format: 'raw', sizeBytes: 1 << 20 });
      library.settings.set('last-operation', operation);
    } else {
      if (machines.length > 6) library.machines.delete(machine.id);
      const media = join(folder, 'media', `m${operation % 10}.iso`);
      // A real ISO: media are checked when added (a few random bytes are refused).
      copyFileSync('/usr/lib/grub-rescue/grub-rescue-cdrom.iso', media);
      library.media.add(media);
    }
  }
  process.stdout.write(`op ${operation}\n`);
  // Yield so the parent's SIGKILL can land between as well as inside operations.
  if (operation % 4 === 0) await new Promise((resolve) => setImmediate(resolve));
}
