import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { containedPath, defaultLibraryFolder, LibraryLayout, sanitizeFileName, writeFileAtomic } from './paths.js';

const folder = mkdtempSync(join(tmpdir(), 'hangar-paths-'));
after(() => rmSync(folder, { recursive: true, force: true }));

describe('library paths', () => {
  it('sanitises names into one safe path component', () => {
    assert.equal(sanitizeFileName('../../etc'), 'etc');
    assert.equal(sanitizeFileName('a/b\\c:d'), 'a-b-c-d');
    assert.equal(sanitizeFileName('..'), 'unnamed');
    assert.equal(sanitizeFileName('.hidden'), 'hidden');
    assert.equal(sanitizeFileName('tab\there\u0000'), 'tab-here-');
    assert.equal(sanitizeFileName('', 'disk0'), 'disk0');
    assert.equal(sanitizeFileName('Windows 98 SE'), 'Windows 98 SE');
    assert.equal(sanitizeFileName('evil\u202Egpj.exe'), 'evil-gpj.exe');
    assert.equal(sanitizeFileName('zero\u200Bwidth\u2066x'), 'zero-width-x');
    assert.equal(sanitizeFileName('-rf'), 'rf');
    assert.ok(sanitizeFileName('x'.repeat(500)).length <= 80);
    for (const nasty of ['../../etc/passwd', '/abs/path', '..\\..\\win', 'a/../../b']) {
      const path = containedPath(folder, sanitizeFileName(nasty));
      assert.ok(path.startsWith(folder + '/'), `${nasty} → ${path}`);
    }
  });

  it('refuses paths that escape their parent', () => {
    assert.throws(() => containedPath(folder, '../x'), /outside/);
    assert.throws(() => containedPath(folder, '/etc/passwd'), /outside/);
    assert.throws(() => containedPath(folder, '.'), /outside/);
    assert.equal(containedPath(folder, 'a/b'), join(folder, 'a', 'b'));
  });

  it('machine folders take ids only, never names', () => {
    const layout = new LibraryLayout(folder);
    assert.throws(() => layout.machineFolder('../../etc'), /not a library id/);
    assert.equal(layout.machineFolder('11111111-1111-4111-8111-111111111111'), join(folder, 'machines', '11111111-1111-4111-8111-111111111111'));
    assert.equal(layout.logFile('11111111-1111-4111-8111-111111111111', '../../../x.log'), join(folder, 'machines', '11111111-1111-4111-8111-111111111111', 'logs', 'x.log'));
  });

  it('HANGAR_HOME overrides the XDG data folder', () => {
    assert.equal(defaultLibraryFolder({ HANGAR_HOME: '/srv/hangar' }), '/srv/hangar');
    assert.equal(defaultLibraryFolder({ XDG_DATA_HOME: '/data' }), '/data/hangar');
    assert.match(defaultLibraryFolder({}), /\.local\/share\/hangar$/);
  });

  it('writes atomically and leaves no temp file', () => {
    const target = join(folder, 'atomic.json');
    writeFileAtomic(target, 'first');
    writeFileAtomic(target, Buffer.from('second'));
    assert.equal(readFileSync(target, 'utf8'), 'second');
    assert.deepEqual(readdirSync(folder).filter((name) => name.startsWith('atomic')), ['atomic.json']);
  });
});
