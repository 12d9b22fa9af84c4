// Runs the benchmarks one after another (they compete for the same two cores, so never in
// parallel). `npm run bench` runs all; `npm run bench -- v86 library` runs those whose file
// name contains one of the words.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

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
let failed = 0;
for (const name of benchmarks) {
  console.log(`\n=== ${name} ===`);
  const result = spawnSync(process.execPath, ['--import', 'tsx', `${folder}${name}`], { stdio: 'inherit', timeout: 20 * 60_000 });
  if (result.status !== 0) {
    failed++;
    console.error(`${name} did not finish cleanly (${result.error?.message ?? `exit ${result.status ?? result.signal}`})`);
  }
}
process.exit(failed === 0 ? 0 : 1);
