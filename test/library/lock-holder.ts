// Child process for the lock tests: opens a library, reports "ready", then holds it until killed
// (or until stdin closes, so a crashed parent never leaves it running).
import { Library } from '../../src/library/index.js';

const folder = process.argv[2];
if (!folder) throw new Error('usage: lock-holder.ts <library folder>');
const library = await Library.open(folder, { watch: false });
process.stdout.write('ready\n');
process.stdin.resume();
// Closing the library releases the lock; with stdin ended nothing else holds the process.
process.stdin.on('end', () => void library.close());
