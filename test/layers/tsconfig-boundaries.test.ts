/**
 * Each layer's tsconfig (src/<layer>/tsconfig.json) refuses what does not run in its process
 * (docs/architecture.md §3): the real configurations, compiled with TypeScript's API together with
 * small in-memory probe files placed in the layer's folder. A layer config is `composite`, so a
 * file outside its `include` (another layer's folder) fails with TS6307; its `lib` and `types`
 * decide whether DOM and Node exist. Nothing is written to disk.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** A probe: its path inside the layer folder, its source, and the errors it must produce (empty: none). */
interface Probe {
  path: string;
  source: string;
  /** Each entry must match one error of this probe (`TS<code>: <message>`). */
  errors: RegExp[];
}

/** Compiles the layer's configuration plus the probes; returns each probe's errors. */
function compileWithProbes(layer: string, probes: Probe[]): Map<string, string[]> {
  if (probes.length === 0) return new Map();
  const configPath = join(root, 'src', layer, 'tsconfig.json');
  const parsed = ts.getParsedCommandLineOfConfigFile(configPath, {}, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (diagnostic) => assert.fail(ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')),
  });
  assert.ok(parsed, `${configPath} could not be read`);
  assert.deepEqual(parsed.errors.map((error) => ts.flattenDiagnosticMessageText(error.messageText, '\n')), []);
  assert.equal(parsed.options.composite, true, `${configPath} must be composite, or files outside its include are not refused`);
  const sources = new Map(probes.map((probe) => [join(root, 'src', layer, probe.path), probe.source]));
  const host = ts.createCompilerHost(parsed.options);
  const { getSourceFile, fileExists, readFile } = host;
  host.getSourceFile = (fileName, language, ...rest) => {
    const source = sources.get(fileName);
    return source === undefined ? getSourceFile.call(host, fileName, language, ...rest) : ts.createSourceFile(fileName, source, language);
  };
  host.fileExists = (fileName) => sources.has(fileName) || fileExists.call(host, fileName);
  host.readFile = (fileName) => sources.get(fileName) ?? readFile.call(host, fileName);
  const program = ts.createProgram({ rootNames: [...parsed.fileNames, ...sources.keys()], options: parsed.options, host });
  const found = new Map<string, string[]>();
  for (const [fileName] of sources) {
    const file = program.getSourceFile(fileName);
    assert.ok(file, `probe ${fileName} was not compiled`);
    const diagnostics = [...program.getOptionsDiagnostics(), ...program.getSyntacticDiagnostics(file), ...program.getSemanticDiagnostics(file)].filter(
      (diagnostic) => diagnostic.file?.fileName === fileName,
    );
    found.set(fileName, diagnostics.map((diagnostic) => `TS${diagnostic.code}: ${ts.flattenDiagnosticMessageText(diagnostic.messageText, ' ')}`));
  }
  return found;
}

/** The file `relative` (from src/) as TS6307 names it: outside the project's file list. */
const notListed = (relative: string) => new RegExp(`^TS6307: File '${join(root, 'src', relative).replaceAll('.', '\\.')}' is not listed`);
const noNode = /^TS2307: Cannot find module 'node:fs'/;
const noProcess = /^TS(2580|2591): Cannot find name 'process'/;
const noDocument = /^TS(2304|2584): Cannot find name 'document'/;

const cases: Record<string, Probe[]> = {
  shared: [
    { path: 'probe-node.ts', source: "import { readFileSync } from 'node:fs';\nexport const read = readFileSync;", errors: [noNode] },
    { path: 'probe-globals.ts', source: 'export const pid = process.pid;\nexport const title = document.title;', errors: [noProcess, noDocument] },
    { path: 'probe-layer.ts', source: "export { spawnOwned } from '../node/owned-child.js';", errors: [notListed('node/owned-child.ts')] },
    { path: 'protocol/probe-ok.ts', source: "export { ipcChannels } from '../ipc-channels.js';", errors: [] },
  ],
  node: [
    { path: 'probe-layer.ts', source: "export type { EngineBackend } from '../emulator/backend.js';", errors: [notListed('emulator/backend.ts')] },
    { path: 'probe-ok.ts', source: "import { readFileSync } from 'node:fs';\nexport { checkName } from '../shared/names.js';\nexport const read = readFileSync;", errors: [] },
  ],
  emulator: [
    { path: 'qemu/probe-library.ts', source: "export { Library } from '../../library/index.js';", errors: [notListed('library/index.ts')] },
    { path: 'host/probe-main.ts', source: "export { ipcChannels } from '../../shared/ipc-channels.js';\nexport * from '../../main/supervisor/index.js';", errors: [notListed('main/supervisor/index.ts')] },
    { path: 'qemu/probe-ok.ts', source: "export { spawnOwned } from '../../node/owned-child.js';\nexport const pid = process.pid;", errors: [] },
  ],
  library: [
    { path: 'probe-main.ts', source: "export * from '../main/supervisor/index.js';", errors: [notListed('main/supervisor/index.ts')] },
    { path: 'probe-emulator.ts', source: "export type { EngineBackend } from '../emulator/backend.js';", errors: [notListed('emulator/backend.ts')] },
    { path: 'probe-ok.ts', source: "export { spawnOwned } from '../node/owned-child.js';\nexport { checkName } from '../shared/names.js';", errors: [] },
  ],
  main: [
    { path: 'supervisor/probe-engine.ts', source: "export type { EngineBackend } from '../../emulator/backend.js';", errors: [notListed('emulator/backend.ts')] },
    { path: 'electron/probe-preload.ts', source: "import '../../preload/preload.js';", errors: [notListed('preload/preload.ts')] },
    { path: 'core/probe-ok.ts', source: "export { Library } from '../../library/index.js';\nexport { forkOwned } from '../../node/owned-child.js';", errors: [] },
  ],
  preload: [
    { path: 'probe-main.ts', source: "export * from '../main/ipc/handlers.js';", errors: [notListed('main/ipc/handlers.ts')] },
    { path: 'probe-dom.ts', source: 'export const title = document.title;', errors: [noDocument] },
    { path: 'probe-ok.ts', source: "export { contextBridge } from 'electron';\nexport { ipcChannels } from '../shared/ipc-channels.js';", errors: [] },
  ],
  renderer: [
    { path: 'platform/probe-main.ts', source: "export type { HangarCore } from '../../main/core/hangar-core.js';", errors: [notListed('main/core/hangar-core.ts')] },
    { path: 'platform/probe-node.ts', source: "import { readFileSync } from 'node:fs';\nexport const read = readFileSync;\nexport const pid = process.pid;", errors: [noNode, noProcess] },
    { path: 'app/probe-ok.tsx', source: "import { checkName } from '../../shared/names.js';\nexport const Title = () => <h1>{document.title}</h1>;\nexport const check = checkName;", errors: [] },
  ],
};

for (const [layer, probes] of Object.entries(cases)) {
  test(`src/${layer}/tsconfig.json refuses what does not run in its process`, () => {
    // A probe that pulls another layer's files in may bring that layer's globals (Node's types)
    // with them, so the probes that import across are compiled apart from the others.
    const crossing = (probe: Probe) => probe.errors.some((error) => error.source.startsWith('^TS6307'));
    const found = new Map([...compileWithProbes(layer, probes.filter(crossing)), ...compileWithProbes(layer, probes.filter((probe) => !crossing(probe)))]);
    for (const probe of probes) {
      const errors = found.get(join(root, 'src', layer, probe.path)) ?? [];
      for (const expected of probe.errors) assert.ok(errors.some((error) => expected.test(error)), `src/${layer}/${probe.path}: expected ${expected} among ${JSON.stringify(errors)}`);
      assert.equal(errors.length, probe.errors.length, `src/${layer}/${probe.path}: unexpected errors ${JSON.stringify(errors)}`);
    }
  });
}
