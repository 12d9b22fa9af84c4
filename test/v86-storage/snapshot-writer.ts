/**
 * Child process for the SIGKILL test: boots GRUB from the rescue CD, saves snapshot
 * `keep-<n>`, prints "kept", then saves snapshot "victim" over and over, printing "saving"
 * before each, until it is killed. Arguments: state folder, n, and "commit" to print
 * "committing" and hold for 500 ms once a file is written but not yet renamed into place.
 */
import { ISO, startMachine } from './helpers.js';

const [stateDir = '', n = '0', mode = ''] = process.argv.slice(2);
const vm = await startMachine({ memoryMib: 128, cdrom: ISO, runtimeDir: stateDir, stateDir });
await vm.waitForText('the GRUB menu', (text) => text.includes('GNU GRUB'));
const kept = await vm.runJob('snapshot-save', `keep-${n}`);
if (kept.error) throw new Error(kept.error);
process.stdout.write('kept\n');
if (mode === 'commit') {
  vm.features.snapshots.hooks.beforeCommit = () => {
    process.stdout.write('committing\n');
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 500);
  };
}
for (;;) {
  process.stdout.write('saving\n');
  const job = await vm.runJob('snapshot-save', 'victim');
  if (job.error) throw new Error(job.error);
}
