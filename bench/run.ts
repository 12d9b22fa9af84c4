// Runs the benchmarks one after another (they compete for the same two cores, so never in
// parallel). `npm run bench` runs all; `npm run bench -- v86 library` runs those whose file
// name contains one of the words.
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { spawnOwned } from '../src/node/owned-child.js';

const folder = fileURLToPath(new URL('.', import.meta.url));
const filters = process.argv.slice(2);
/** Modules the benchmarks import or spawn; not benchmarks themselves. */
const helpers = new Set(['run.ts', 'display-cdp.ts', 'display-guest.ts', 'display-web-main.ts', 'display-v86-flush-reader.ts']);
const benchmarks = readdirSync(folder)
  .filter((name) => name.endsWith('.ts') && !helpers.has(name))
  .filter((name) => filters.length === 0 || filters.some((filter) => name.includes(filter)))
  .sort();
if (benchmarks.length === 0) {
  console.error(`No benchmark matches ${filters.join(', ')}. Available: ${readdirSync(folder).filter((n) => n.endsWith('.ts') && !helpers.has(n)).join(', ')}`);
  process.exit(2);
}
/** Runs one benchmark as a child that dies with this runner; resolves with why it failed, or undefined. */
function runBenchmark(name: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    const child = spawnOwned(process.execPath, ['--import', 'tsx', `${folder}${name}`], { stdio: 'inherit' });
    const timer = setTimeout(() => child.kill('SIGKILL'), 20 * 60_000);
    child.on('error', (error) => {
      clearTimeout(timer);
      resolve(error.message);
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve(code === 0 ? undefined : `exit ${code ?? signal}`);
    });
  });
}

let failed = 0;
for (const name of benchmarks) {
  console.log(`\n=== ${name} ===`);
  const problem = await runBenchmark(name);
  if (problem !== undefined) {
    failed++;
    console.error(`${name} did not finish cleanly (${problem})`);
  }
}
process.exit(failed === 0 ? 0 : 1);
