/**
 * The app API against its golden file (incompatible changes fail: helpers and shells code
 * against it; compatible additions pass with a note) and docs/protocol/api.md against the
 * definitions. Refresh both after a compatible addition with
 * `HANGAR_UPDATE_API_DOCS=1 npm test -- test/app/api-protocol`.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { describeApiProtocol, renderApiReference } from '../../src/shared/protocol/api/reference.js';
import type { ProtocolDescription } from '../../src/shared/protocol/reference.js';
import { compareProtocols } from '../../src/shared/protocol/reference.js';

const goldenPath = fileURLToPath(new URL('./api-protocol.golden.json', import.meta.url));
const referencePath = fileURLToPath(new URL('../../docs/protocol/api.md', import.meta.url));
const update = process.env.HANGAR_UPDATE_API_DOCS === '1';

test('the app API stays compatible with the golden file', () => {
  const current = describeApiProtocol();
  // A missing golden file is a failure, never a silent re-recording: it is what catches breaks.
  assert.ok(existsSync(goldenPath) || update, `The golden file ${goldenPath} is missing: restore it from git (recording a new one is HANGAR_UPDATE_API_DOCS=1).`);
  if (update) {
    if (existsSync(goldenPath)) {
      const { incompatible } = compareProtocols(JSON.parse(readFileSync(goldenPath, 'utf8')) as ProtocolDescription, current);
      assert.deepEqual(incompatible, [], 'Refusing to record incompatible API changes.');
    }
    writeFileSync(goldenPath, `${JSON.stringify(current, null, 2)}\n`);
  }
  const golden = JSON.parse(readFileSync(goldenPath, 'utf8')) as ProtocolDescription;
  const { incompatible, additions } = compareProtocols(golden, current);
  assert.deepEqual(incompatible, [], `Incompatible API changes (the renderer, Electron shell and CLI code against the API):\n- ${incompatible.join('\n- ')}`);
  // Unrecorded additions would later be removable without notice: record them with the change.
  assert.deepEqual(additions, [], `Compatible additions not yet in the golden file; record them with HANGAR_UPDATE_API_DOCS=1 npm test -- test/app/api-protocol:\n- ${additions.join('\n- ')}`);
});

test('docs/protocol/api.md is generated from the current definitions', () => {
  const text = renderApiReference();
  if (update) {
    mkdirSync(dirname(referencePath), { recursive: true });
    writeFileSync(referencePath, text);
  }
  assert.equal(readFileSync(referencePath, 'utf8'), text, 'The API reference is out of date: run HANGAR_UPDATE_API_DOCS=1 npm test -- test/app/api-protocol');
});
