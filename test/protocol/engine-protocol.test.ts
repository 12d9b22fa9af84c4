/**
 * The engine protocol against its golden file (fails on incompatible changes, and on compatible
 * additions not yet recorded in it) and the generated reference document (fails when stale).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { engineReferencePath } from '../../scripts/generate-protocol-docs.js';
import { goldenPath } from '../../scripts/update-protocol-golden.js';
import type { ProtocolDescription } from '../../src/shared/protocol/reference.js';
import { compareProtocols, describeEngineProtocol, renderEngineReference } from '../../src/shared/protocol/reference.js';

test('the engine protocol stays compatible with the golden file', () => {
  const golden = JSON.parse(readFileSync(goldenPath, 'utf8')) as ProtocolDescription;
  const { incompatible, additions } = compareProtocols(golden, describeEngineProtocol());
  assert.deepEqual(
    incompatible,
    [],
    `Incompatible protocol changes (old clients or engines would break). Undo them, or bump engineProtocolVersion and run npm run protocol:golden -- --force deliberately:\n- ${incompatible.join('\n- ')}`,
  );
  // Unrecorded additions would later be removable without notice: record them with the change.
  assert.deepEqual(additions, [], `Compatible additions not yet in the golden file; record them with npm run protocol:golden:\n- ${additions.join('\n- ')}`);
});

test('docs/protocol/engine.md is generated from the current definitions', () => {
  assert.equal(readFileSync(engineReferencePath, 'utf8'), renderEngineReference(), 'The protocol reference is out of date: run npm run docs:protocol');
});
