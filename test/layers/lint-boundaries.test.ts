/**
 * The linter refuses every import that crosses a layer boundary (docs/architecture.md §3,
 * eslint.config.js): the real configuration, run through ESLint's API on small in-memory sources
 * placed in each layer's folder. Each forbidden import must fail with a message that names the
 * layer, and the imports each layer needs must still pass.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';

const root = fileURLToPath(new URL('../..', import.meta.url));
const eslint = new ESLint({ cwd: root });

/** The import-boundary messages ESLint gives `source` as if it were the file at `path` (from the repo root). */
async function boundaryErrors(path: string, source: string): Promise<string[]> {
  const [result] = await eslint.lintText(`${source}\n`, { filePath: join(root, path) });
  assert.ok(result, `ESLint gave no result for ${path}`);
  return result.messages.filter((message) => message.ruleId === 'no-restricted-imports').map((message) => message.message);
}

/** [file, import statement, a phrase the error must contain] for every boundary. */
const forbidden: Array<[string, string, string]> = [
  ['src/shared/protocol/probe.ts', "import { readFileSync } from 'node:fs';", 'src/shared runs in every process'],
  ['src/shared/probe.ts', "import { spawnOwned } from '../node/owned-child.js';", 'not src/node'],
  ['src/shared/probe.ts', "import { z } from 'some-package';", 'no packages'],
  ['src/node/probe.ts', "import type { EngineBackend } from '../emulator/backend.js';", 'not src/emulator'],
  ['src/node/probe.ts', "import { app } from 'electron';", 'src/node runs in Node processes'],
  ['src/emulator/qemu/probe.ts', "import { Library } from '../../library/index.js';", 'src/emulator runs in the engine process and may import only src/emulator, src/shared, src/node; not src/library'],
  ['src/emulator/host/probe.ts', "import type { HangarCore } from '../../main/core/hangar-core.js';", 'not src/main'],
  ['src/emulator/probe.ts', "import { app } from 'electron';", 'only main\'s Electron shell and the preload import electron'],
  ['src/emulator/probe.ts', "import { useState } from 'react';", 'React, MUI and xterm belong to src/renderer'],
  ['src/library/probe.ts', "import { app } from 'electron';", 'src/library runs in the main process'],
  ['src/library/probe.ts', "import { start } from '../main/supervisor/index.js';", 'not src/main'],
  ['src/library/probe.ts', "import V86 from 'v86';", 'v86 runs only in the engine process'],
  ['src/main/supervisor/probe.ts', "import { runEngine } from '../../emulator/host/entry.js';", 'main reaches the engine only by spawning its entry file'],
  ['src/main/core/probe.ts', "import { app } from 'electron';", 'only the Electron shell (src/main/electron, ipc, windows) imports electron'],
  ['src/main/web/probe.ts', "import Button from '@mui/material/Button';", 'React, MUI and xterm belong to src/renderer'],
  ['src/main/electron/probe.ts', "import '../../preload/preload.js';", 'main loads the built preload by path'],
  ['src/main/windows/probe.ts', "import { App } from '../../renderer/app/App.js';", 'not src/renderer'],
  ['src/preload/probe.ts', "import { registerIpcHandlers } from '../main/ipc/handlers.js';", 'lives in src/shared'],
  ['src/preload/probe.ts', "import { app, contextBridge } from 'electron';", 'from electron it may use only contextBridge and ipcRenderer'],
  ['src/preload/probe.ts', "import { readFileSync } from 'fs';", "where Node's modules do not exist"],
  ['src/renderer/features/manager/probe.tsx', "import { join } from 'node:path';", 'src/renderer runs in the page'],
  ['src/renderer/features/manager/probe.tsx', "import { EventEmitter } from 'events';", "where Node's modules do not exist"],
  ['src/renderer/platform/probe.ts', "import Database from 'better-sqlite3';", 'Node-only packages'],
  ['src/renderer/platform/probe.ts', "import type { HangarCore } from '../../main/core/hangar-core.js';", 'only through the app API client'],
  ['src/renderer/app/probe.tsx', "import { Library } from '../../library/index.js';", 'not src/library'],
  ['src/renderer/app/probe.tsx', "import { ipcRenderer } from 'electron';", 'electron'],
  // A unit test may use Node and test/ helpers, but not another process's layer.
  ['src/emulator/host/probe.test.ts', "import { Library } from '../../library/index.js';", 'not src/library'],
  ['src/shared/probe.test.ts', "import { HangarCore } from '../main/core/hangar-core.js';", 'not src/main'],
];

/** [file, imports that must pass]: what each layer is there to use. */
const allowed: Array<[string, string]> = [
  ['src/shared/protocol/probe.ts', "import { ipcChannels } from '../ipc-channels.js';"],
  ['src/node/probe.ts', "import { spawn } from 'node:child_process';\nimport { checkName } from '../shared/names.js';"],
  ['src/emulator/qemu/probe.ts', "import { spawnOwned } from '../../node/owned-child.js';\nimport { readFileSync } from 'node:fs';\nimport V86 from 'v86';\nimport type { DisplayMessage } from '../../shared/protocol/display.js';"],
  ['src/library/probe.ts', "import Database from 'better-sqlite3';\nimport { watch } from 'chokidar';\nimport { spawnOwned } from '../node/owned-child.js';"],
  ['src/main/supervisor/probe.ts', "import { forkOwned } from '../../node/owned-child.js';\nimport { Library } from '../../library/index.js';\nimport { WebSocketServer } from 'ws';"],
  ['src/main/electron/probe.ts', "import { app, BrowserWindow } from 'electron';"],
  ['src/main/ipc/probe.ts', "import type { IpcMainInvokeEvent } from 'electron';"],
  ['src/preload/probe.ts', "import { contextBridge, ipcRenderer } from 'electron';\nimport { ipcChannels } from '../shared/ipc-channels.js';"],
  ['src/renderer/features/manager/probe.tsx', "import { useState } from 'react';\nimport Button from '@mui/material/Button';\nimport { Terminal } from '@xterm/xterm';\nimport { checkName } from '../../../shared/names.js';"],
  ['src/emulator/host/probe.test.ts', "import { test } from 'node:test';\nimport { QmpClient } from '../../../test/support/qmp-client.js';"],
  ['src/shared/probe.test.ts', "import { readFileSync } from 'node:fs';\nimport { test } from 'node:test';"],
];

for (const [path, source, phrase] of forbidden) {
  test(`lint refuses in ${path}: ${source}`, async () => {
    const errors = await boundaryErrors(path, source);
    assert.equal(errors.length, 1, `expected one import-boundary error, got ${JSON.stringify(errors)}`);
    assert.ok(errors[0]?.includes(phrase), `the message should say "${phrase}": ${errors[0]}`);
    assert.ok(errors[0]?.includes('docs/architecture.md §3'), `the message should point at the rules: ${errors[0]}`);
  });
}

for (const [path, source] of allowed) {
  test(`lint allows in ${path}: ${source.replaceAll('\n', ' ')}`, async () => {
    assert.deepEqual(await boundaryErrors(path, source), []);
  });
}
