/**
 * Records the current engine protocol in test/protocol/engine-protocol.golden.json. Run it
 * (npm run protocol:golden) after a compatible addition; an incompatible change needs a new
 * protocol version and a deliberate decision, so this refuses unless given --force.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ProtocolDescription } from '../src/shared/protocol/reference.js';
import { compareProtocols, describeEngineProtocol } from '../src/shared/protocol/reference.js';

/** The golden file. */
export const goldenPath = fileURLToPath(new URL('../test/protocol/engine-protocol.golden.json', import.meta.url));

function main(): void {
  const current = describeEngineProtocol();
  let golden: ProtocolDescription | undefined;
  try {
    golden = JSON.parse(readFileSync(goldenPath, 'utf8')) as ProtocolDescription;
  } catch {
    // First recording.
  }
  if (golden && !process.argv.includes('--force')) {
    const { incompatible } = compareProtocols(golden, current);
    if (incompatible.length) {
      process.stderr.write(`Incompatible changes; not refreshing (use --force after bumping the protocol version):\n- ${incompatible.join('\n- ')}\n`);
      process.exit(1);
    }
  }
  writeFileSync(goldenPath, `${JSON.stringify(current, null, 2)}\n`);
  process.stdout.write(`wrote ${goldenPath}\n`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();
