/**
 * The engine log writer on real files: a timestamp per line (also across chunks that split a
 * line), main's notes on lines of their own, 0600 in a 0700 folder, rotation at the size limit
 * keeping three old files, and failures (a full file system, a folder that cannot exist)
 * reported once without throwing.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { mountSmallFileSystem } from '../../../test/support/small-fs.js';
import { EngineLog, lastLines, readEngineLog } from './engine-log.js';

const folder = mkdtempSync(join(tmpdir(), 'hangar-engine-log-'));
after(() => rmSync(folder, { recursive: true, force: true }));

const stamp = String.raw`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z`;

test('every line gets a timestamp, notes stand on their own line, and the file is 0600 in a 0700 folder', async () => {
  const path = join(folder, 'one', 'logs', 'engine.log');
  const reports: string[] = [];
  const log = new EngineLog(path, { report: (line) => reports.push(line) });
  log.note('engine started: qemu, pid 42');
  log.append('[engine] qemu: qemu-system-x86_64 -no');
  log.append('defaults\n[engine] second line\npartial');
  log.note('engine exited (exit code 1)');
  await log.close();
  const lines = readFileSync(path, 'utf8').split('\n');
  assert.equal(lines.pop(), '', 'ends with a newline');
  assert.equal(lines.length, 5, lines.join('\n'));
  assert.match(lines[0] ?? '', new RegExp(`^${stamp} \\[hangar\\] engine started: qemu, pid 42$`));
  assert.match(lines[1] ?? '', new RegExp(`^${stamp} \\[engine\\] qemu: qemu-system-x86_64 -nodefaults$`));
  assert.match(lines[2] ?? '', new RegExp(`^${stamp} \\[engine\\] second line$`));
  assert.match(lines[3] ?? '', new RegExp(`^${stamp} partial$`));
  assert.match(lines[4] ?? '', new RegExp(`^${stamp} \\[hangar\\] engine exited \\(exit code 1\\)$`));
  assert.equal(statSync(path).mode & 0o777, 0o600);
  assert.equal(statSync(join(folder, 'one', 'logs')).mode & 0o777, 0o700);
  assert.deepEqual(reports, []);
  // Appending after close is ignored, never a throw.
  log.append('late\n');
  assert.equal(readFileSync(path, 'utf8').split('\n').length, 6);
});

test('an existing log is appended to and tightened to 0600', async () => {
  const path = join(folder, 'existing.log');
  writeFileSync(path, 'old line\n', { mode: 0o644 });
  const log = new EngineLog(path);
  log.append('new line\n');
  await log.close();
  assert.match(readFileSync(path, 'utf8'), new RegExp(`^old line\\n${stamp} new line\\n$`));
  assert.equal(statSync(path).mode & 0o777, 0o600);
});

test('the log rotates at the size limit and keeps three old files, in order', async () => {
  const path = join(folder, 'rotate', 'engine.log');
  const log = new EngineLog(path, { maxBytes: 1000, keep: 3 });
  // 200 lines of ~40 bytes: ~8 KB through a 1000-byte limit, written in separate turns.
  for (let index = 0; index < 200; index++) {
    log.append(`line ${String(index).padStart(4, '0')}\n`);
    if (index % 10 === 0) await new Promise((resolve) => setImmediate(resolve));
  }
  await log.close();
  for (const name of ['engine.log', 'engine.log.1', 'engine.log.2', 'engine.log.3']) {
    const file = join(folder, 'rotate', name);
    assert.ok(existsSync(file), `${name} exists`);
    assert.ok(statSync(file).size <= 1000, `${name} holds at most the limit`);
    assert.equal(statSync(file).mode & 0o777, 0o600, `${name} is 0600`);
  }
  assert.equal(existsSync(`${path}.4`), false, 'only three old files are kept');
  const text = ['engine.log.3', 'engine.log.2', 'engine.log.1', 'engine.log'].map((name) => readFileSync(join(folder, 'rotate', name), 'utf8')).join('');
  const numbers = [...text.matchAll(/line (\d{4})/g)].map((match) => Number(match[1]));
  assert.equal(numbers.at(-1), 199, 'the newest line is in engine.log');
  assert.deepEqual(numbers, numbers.map((_, index) => (numbers[0] ?? 0) + index), 'the kept lines are consecutive, oldest first');
  assert.ok((numbers[0] ?? 0) > 0, 'the oldest lines were rotated away');
});

test('a full file system is reported once; writes keep being accepted without a throw', async () => {
  const small = mountSmallFileSystem(1);
  try {
    const path = join(small.path, 'logs', 'engine.log');
    const reports: string[] = [];
    const log = new EngineLog(path, { report: (line) => reports.push(line) });
    log.note('engine started: v86, pid 1');
    await new Promise((resolve) => setTimeout(resolve, 100));
    small.fill();
    for (let index = 0; index < 50; index++) {
      log.append(`${'x'.repeat(8000)}\n`);
      await new Promise((resolve) => setImmediate(resolve));
    }
    await log.close();
    assert.equal(reports.length, 1, reports.join('\n'));
    assert.match(reports[0] ?? '', /cannot write the engine log .*engine\.log \(.*ENOSPC.*\); the engine keeps running/);
    assert.match(reports[0] ?? '', /Free disk space/);
  } finally {
    await small.unmount();
  }
});

test('a log whose folder cannot be made is reported once', async () => {
  const blocker = join(folder, 'blocker');
  writeFileSync(blocker, '');
  const reports: string[] = [];
  const log = new EngineLog(join(blocker, 'logs', 'engine.log'), { report: (line) => reports.push(line) });
  log.append('output\n');
  log.note('engine exited (exit code 0)');
  await log.close();
  assert.equal(reports.length, 1);
  assert.match(reports[0] ?? '', /cannot write the engine log .*blocker\/logs\/engine\.log \(.*(ENOTDIR|EEXIST)/);
});

test('readEngineLog gives the last lines, and an empty text for a machine that never ran', async () => {
  const path = join(folder, 'read.log');
  writeFileSync(path, 'a\nb\nc\n');
  assert.deepEqual(await readEngineLog(path), { path, text: 'a\nb\nc\n' });
  assert.deepEqual(await readEngineLog(path, 2), { path, text: 'b\nc\n' });
  assert.deepEqual(await readEngineLog(join(folder, 'missing.log')), { path: join(folder, 'missing.log'), text: '' });
  assert.equal(lastLines('x\ny', 1), 'y');
  assert.equal(lastLines('x\ny\n', 5), 'x\ny\n');
});
