/**
 * Writes docs/protocol/engine.md from the protocol definitions. `--check` only compares and
 * exits 1 when the committed document is out of date.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderEngineReference } from '../src/shared/protocol/reference.js';

/** Where the engine protocol reference lives. */
export const engineReferencePath = fileURLToPath(new URL('../docs/protocol/engine.md', import.meta.url));

function main(): void {
  const text = renderEngineReference();
  if (process.argv.includes('--check')) {
    let current = '';
    try {
      current = readFileSync(engineReferencePath, 'utf8');
    } catch {
      // Missing counts as out of date.
    }
    if (current !== text) {
      process.stderr.write(`${engineReferencePath} is out of date; run npm run docs:protocol\n`);
      process.exit(1);
    }
    return;
  }
  mkdirSync(dirname(engineReferencePath), { recursive: true });
  writeFileSync(engineReferencePath, text);
  process.stdout.write(`wrote ${engineReferencePath}\n`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();
