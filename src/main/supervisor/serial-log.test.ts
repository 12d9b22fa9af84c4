/**
 * The serial log writer on a real file: the guest's bytes arrive as base64 SERIAL_OUTPUT data,
 * split anywhere (inside a UTF-8 character, between CR and LF); the file gets one timestamped line
 * per guest line without CRs, a start and an exit line, and is 0600.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { EngineLog } from './engine-log.js';
import { SerialLogWriter } from './serial-log.js';

const folder = mkdtempSync(join(tmpdir(), 'hangar-serial-log-'));
after(() => rmSync(folder, { recursive: true, force: true }));
const stamp = String.raw`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z`;

test('guest output split anywhere becomes whole timestamped lines between a start and an exit line', async () => {
  const path = join(folder, 'logs', 'serial.log');
  const writer = new SerialLogWriter(new EngineLog(path), 'engine started: v86, pid 7');
  const bytes = Buffer.from('Linux booting…\r\nhangar-guest: ready\r\n/ # ');
  // Split inside "…" (3 bytes) and between a CR and its LF.
  const cuts = [13, 16, 17, bytes.indexOf('\n', 20), bytes.length];
  let from = 0;
  for (const cut of cuts) {
    writer.output({ port: 'com1', data: bytes.subarray(from, cut).toString('base64') });
    from = cut;
  }
  writer.output({ nothing: true });
  await writer.close('engine exited (exit code 0)');
  const lines = readFileSync(path, 'utf8').split('\n');
  assert.equal(lines.pop(), '');
  assert.equal(lines.length, 5, lines.join('\n'));
  assert.match(lines[0] ?? '', new RegExp(`^${stamp} \\[hangar\\] engine started: v86, pid 7$`));
  assert.match(lines[1] ?? '', new RegExp(`^${stamp} Linux booting…$`));
  assert.match(lines[2] ?? '', new RegExp(`^${stamp} hangar-guest: ready$`));
  assert.match(lines[3] ?? '', new RegExp(`^${stamp} / # $`));
  assert.match(lines[4] ?? '', new RegExp(`^${stamp} \\[hangar\\] engine exited \\(exit code 0\\)$`));
  assert.ok(!readFileSync(path, 'utf8').includes('\r'));
  assert.equal(statSync(path).mode & 0o777, 0o600);
});
