import assert from 'node:assert/strict';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'node:test';
import { appPaths, findAppRoot, unpacked } from './app-paths.js';

const root = findAppRoot(import.meta.url);

test('from source: the TypeScript engine entry, the built preload, the built renderer', () => {
  const paths = appPaths(pathToFileURL(join(root, 'src/main/electron/main.ts')).href);
  assert.equal(paths.root, root);
  assert.equal(paths.engineEntry, join(root, 'src/emulator/host/entry.ts'));
  assert.equal(paths.engineIsSource, true);
  assert.equal(paths.preload, join(root, 'dist/electron/preload.cjs'));
  assert.equal(paths.rendererDir, join(root, 'dist/renderer'));
});

test('from the bundle: the bundled engine and preload beside main', () => {
  const paths = appPaths(pathToFileURL(join(root, 'dist/electron/main.js')).href);
  assert.equal(paths.engineEntry, join(root, 'dist/electron/engine/host/entry.js'));
  assert.equal(paths.engineIsSource, false);
  assert.equal(paths.preload, join(root, 'dist/electron/preload.cjs'));
});

test('a packaged engine path points into app.asar.unpacked', () => {
  assert.equal(unpacked('/opt/Hangar/resources/app.asar/dist/electron/engine/host/entry.js'), '/opt/Hangar/resources/app.asar.unpacked/dist/electron/engine/host/entry.js');
  assert.equal(unpacked('C:\\Hangar\\resources\\app.asar\\dist\\x.js'), 'C:\\Hangar\\resources\\app.asar.unpacked\\dist\\x.js');
  assert.equal(unpacked('/home/me/hangar/dist/electron/engine/host/entry.js'), '/home/me/hangar/dist/electron/engine/host/entry.js');
});
