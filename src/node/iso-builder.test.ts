import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { buildFloppy, buildIso, floppyImageBytes, ImageBuildError, isoLabel } from './iso-builder.js';

const work = mkdtempSync(join(tmpdir(), 'hangar-iso-builder-'));
after(() => rmSync(work, { recursive: true, force: true }));

const sha = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');
const utf8Env = { ...process.env, LC_ALL: 'C.UTF-8', MTOOLS_SKIP_CHECK: '1' };
// Longer than Joliet's 64-character limit, with characters outside ASCII and Latin-1.
const longName = 'Überweisung – Ĳssel Ωmega 日本語 a name well beyond sixty-four characters.txt';

function sources(folder: string): { big: string; unicode: string; tree: string } {
  mkdirSync(join(folder, 'tree', 'inner'), { recursive: true });
  const big = join(folder, 'big.bin');
  writeFileSync(big, randomBytes(3 * 1024 * 1024 + 17));
  const unicode = join(folder, longName);
  writeFileSync(unicode, 'grüße\n');
  writeFileSync(join(folder, 'tree', 'inner', 'deep.txt'), randomBytes(1000));
  return { big, unicode, tree: join(folder, 'tree') };
}

test('buildIso writes an ISO (0600) with Rock Ridge and Joliet names, long and non-ASCII, and every byte', async () => {
  const folder = join(work, 'iso');
  mkdirSync(folder);
  const { big, unicode, tree } = sources(folder);
  const output = join(work, 'sent.iso');
  const fractions: number[] = [];
  await buildIso({ sources: [{ path: big, name: 'big.bin' }, { path: unicode, name: longName }, { path: tree, name: 'tree' }], output, label: 'my files!', onProgress: (fraction) => fractions.push(fraction) });
  assert.equal(statSync(output).mode & 0o777, 0o600);
  assert.equal(fractions.at(-1), 1);
  assert.deepEqual([...fractions].sort((a, b) => a - b), fractions, 'progress only grows');

  // Rock Ridge (what Linux mounts): the files come back byte for byte under their names.
  const extracted = join(work, 'extracted');
  execFileSync('xorriso', ['-osirrox', 'on', '-indev', output, '-extract', '/', extracted], { env: utf8Env, stdio: 'ignore' });
  assert.equal(sha(join(extracted, 'big.bin')), sha(big));
  assert.equal(sha(join(extracted, longName)), sha(unicode));
  assert.equal(sha(join(extracted, 'tree', 'inner', 'deep.txt')), sha(join(tree, 'inner', 'deep.txt')));

  // Joliet (what Windows reads), without Rock Ridge: the long non-ASCII name is whole too.
  const joliet = execFileSync('xorriso', ['-charset', 'UTF-8', '-read_fs', 'norock', '-indev', output, '-find', '/', '-type', 'f'], { env: utf8Env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  assert.ok(joliet.includes(`'/${longName}'`), `Joliet tree lacks the long name:\n${joliet}`);
  assert.match(execFileSync('xorriso', ['-indev', output, '-pvd_info'], { env: utf8Env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }), /Volume Id\s*:\s*MY_FILES/);
});

test('buildIso never overwrites an existing file', async () => {
  const output = join(work, 'exists.iso');
  writeFileSync(output, 'keep me');
  await assert.rejects(buildIso({ sources: [], output }), /EEXIST/);
  assert.equal(readFileSync(output, 'utf8'), 'keep me');
});

test('buildFloppy writes a 1.44 MiB FAT image (0600) holding the files under their long names', async () => {
  const folder = join(work, 'floppy');
  mkdirSync(folder);
  const small = join(folder, 'small.bin');
  writeFileSync(small, randomBytes(200_000));
  const unicode = join(folder, longName);
  writeFileSync(unicode, 'grüße\n');
  const output = join(work, 'sent.img');
  const fractions: number[] = [];
  await buildFloppy({ sources: [{ path: small, name: 'small.bin' }, { path: unicode, name: longName }], output, onProgress: (fraction) => fractions.push(fraction) });
  assert.equal(statSync(output).size, floppyImageBytes);
  assert.equal(statSync(output).mode & 0o777, 0o600);
  assert.equal(fractions.at(-1), 1);
  const back = join(work, 'floppy-back');
  mkdirSync(back);
  execFileSync('mcopy', ['-i', output, '-n', `::/${longName}`, '::/small.bin', back], { env: utf8Env });
  assert.equal(sha(join(back, 'small.bin')), sha(small));
  assert.equal(sha(join(back, longName)), sha(unicode));
});

test('buildFloppy refuses more than a floppy holds, before writing anything, and says so', async () => {
  const folder = join(work, 'too-big');
  mkdirSync(folder);
  // Two files that each fit but not together.
  writeFileSync(join(folder, 'a.bin'), randomBytes(800_000));
  writeFileSync(join(folder, 'b.bin'), randomBytes(800_000));
  const output = join(work, 'too-big.img');
  await assert.rejects(buildFloppy({ sources: [{ path: folder, name: 'too-big' }], output }), (error: unknown) => {
    assert.ok(error instanceof ImageBuildError);
    assert.equal(error.kind, 'too-big');
    assert.match(error.message, /more than the 1\.39 MiB \(1457664 bytes\) a 1\.44 MiB floppy holds.*CD image/);
    return true;
  });
  assert.equal(existsSync(output), false);
});

test('an unreadable source is named in the error', async () => {
  const missing = join(work, 'no-such-file');
  await assert.rejects(buildIso({ sources: [{ path: missing, name: 'x' }], output: join(work, 'never.iso') }), new RegExp(`${missing} cannot be read \\(ENOENT\\)`));
  assert.equal(existsSync(join(work, 'never.iso')), false);
});

test('labels keep to what ISO 9660 allows', () => {
  assert.equal(isoLabel('my files!'), 'MY_FILES');
  assert.equal(isoLabel('ÄÖÜ'), 'HANGAR');
  assert.equal(isoLabel('x'.repeat(40)).length, 32);
});
