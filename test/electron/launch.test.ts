/**
 * How `npm start` / `hangar gui` decide: the Electron binary and the built shell, or the web
 * shell with the reason, and the browser command for the fallback.
 */
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { browserCommand, electronMainEntry, findElectron } from '../../src/main/cli/electron-launch.js';

const dir = mkdtempSync(join(tmpdir(), 'hangar-launch-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('the desktop shell entry is the built bundle; without a binary the reason says why', () => {
  assert.match(electronMainEntry, /[/\\]dist[/\\]electron[/\\]main\.js$/);
  const found = findElectron();
  // This machine has the electron package for its types but no binary (it cannot be downloaded here).
  if (!found.ok) assert.match(found.reason, /Electron binary is not installed|not built|electron package/);
  else assert.equal(found.entry, electronMainEntry);
});

test('the browser for the web fallback: none without a desktop session, xdg-open or $BROWSER inside one', () => {
  const url = 'http://127.0.0.1:1234/?token=abc&x=1';
  assert.equal(browserCommand(url, 'linux', { PATH: dir }), undefined, 'headless: nothing to open');
  assert.equal(browserCommand(url, 'linux', { PATH: dir, DISPLAY: ':0' }), undefined, 'no xdg-open on PATH');
  const opener = join(dir, 'xdg-open');
  writeFileSync(opener, '#!/bin/sh\n');
  chmodSync(opener, 0o755);
  assert.deepEqual(browserCommand(url, 'linux', { PATH: dir, DISPLAY: ':0' }), { command: opener, args: [url] });
  assert.deepEqual(browserCommand(url, 'linux', { PATH: dir, WAYLAND_DISPLAY: 'wayland-0', BROWSER: opener }), { command: opener, args: [url] });
  assert.deepEqual(browserCommand(url, 'darwin', {}), { command: 'open', args: [url] });
  assert.deepEqual(browserCommand(url, 'win32', {}), { command: 'cmd', args: ['/c', 'start', '""', 'http://127.0.0.1:1234/?token=abc^&x=1'] });
});
