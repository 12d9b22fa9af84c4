/**
 * The core checks its own answers against the API schema when asked to (HANGAR_VALIDATE_API=1,
 * which `npm test` sets, or NODE_ENV development/test): a reply that breaks the schema is a loud
 * failure naming the field, never a value a client then misreads. The wrong value here comes
 * the way it would in use: a library row edited (or damaged) outside Hangar.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import Database from 'better-sqlite3';
import { HangarCore, apiValidationEnabled } from '../../src/main/core/hangar-core.js';

const home = mkdtempSync(join(tmpdir(), 'hangar-contract-'));
const saved = process.env.HANGAR_VALIDATE_API;

after(() => {
  if (saved === undefined) delete process.env.HANGAR_VALIDATE_API;
  else process.env.HANGAR_VALIDATE_API = saved;
  rmSync(home, { recursive: true, force: true });
});

/** Opens the library with reply checking on or off, runs `work`, closes it. */
async function withCore<T>(validate: boolean, work: (core: HangarCore) => Promise<T>): Promise<T> {
  process.env.HANGAR_VALIDATE_API = validate ? '1' : '0';
  const core = await HangarCore.open({ folder: home, controlSocket: false });
  try {
    return await work(core);
  } finally {
    await core.close();
  }
}

test('apiValidationEnabled: the flag, or a development or test NODE_ENV', () => {
  assert.equal(apiValidationEnabled({ HANGAR_VALIDATE_API: '1' }), true);
  assert.equal(apiValidationEnabled({ NODE_ENV: 'development' }), true);
  assert.equal(apiValidationEnabled({ NODE_ENV: 'test' }), true);
  assert.equal(apiValidationEnabled({ NODE_ENV: 'production' }), false);
  assert.equal(apiValidationEnabled({}), false);
});

test('a reply that breaks the schema is caught and named; checking off, it passes through', async () => {
  await withCore(true, async (core) => {
    const created = await core.api.call('machines.create', { name: 'odd', engine: 'v86', memoryMib: 32 });
    assert.equal(created.ok, true, JSON.stringify(created));
    assert.equal((await core.api.call('machines.get', { id: 'odd' })).ok, true, 'a sound row answers');
  });
  // A memory size that is not a whole number of MiB, as a hand edit of the database leaves it.
  const db = new Database(join(home, 'library.db'));
  db.prepare('UPDATE machines SET memory_mib = 32.5 WHERE name = ?').run('odd');
  db.close();
  const checked = await withCore(true, (core) => core.call('machines.get', { id: 'odd' }));
  assert.equal(checked.ok, false, JSON.stringify(checked));
  assert.equal(checked.ok ? '' : checked.error.class, 'EngineFailed');
  assert.match(checked.ok ? '' : checked.error.desc, /answer to machines\.get does not match the API \(memoryMib expected an integer, got 32\.5\)/);
  const list = await withCore(true, (core) => core.call('machines.list', {}));
  assert.match(list.ok ? '' : list.error.desc, /\[0\]\.memoryMib expected an integer/);
  // Without checking (production), the same row is answered as it is.
  const unchecked = await withCore(false, (core) => core.api.call('machines.get', { id: 'odd' }));
  assert.equal(unchecked.ok && unchecked.value.memoryMib, 32.5);
});
