/**
 * The engine host over a real UNIX socket, with a tiny real backend written here (a run-state
 * machine, no emulator) and a command that throws a plain Error like a faulting emulator.
 */
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { QmpCommandError } from '../../../test/support/qmp-client.js';
import { QmpClient } from '../../../test/support/qmp-client.js';
import { ProtocolError } from '../backend.js';
import type { BackendFactory } from '../backend.js';
import type { RunStateName } from '../../shared/protocol/engine/index.js';
import { Engine } from './engine.js';
import { UnixSocketServer } from './unix-socket-server.js';

const tinyBackend: BackendFactory = async (config, host) => {
  let state: RunStateName = config.paused ? 'prelaunch' : 'running';
  const emit = host.emit.bind(host);
  return {
    kind: 'v86',
    status: () => state,
    replayDisplay: (send) => send({ type: 'mode', mode: 'off' }),
    dispose: async () => {},
    handlers: {
      stop: () => {
        if (state === 'running') emit('STOP', {});
        state = 'paused';
        return {};
      },
      cont: () => {
        if (state === 'shutdown') throw new ProtocolError('WrongState', 'The guest is shut down; reset it first.');
        state = 'running';
        emit('RESUME', {});
        return {};
      },
      system_powerdown: () => {
        throw new Error('emulator exploded');
      },
      'query-version': () => ({ qemu: { major: 0, minor: 1, micro: 0 }, package: 'tiny' }),
      'input-send-event': () => ({}),
      // Never answers, like an emulator stuck in a loop.
      'query-screen-text': () => new Promise<never>(() => {}),
    },
  };
};

let dir: string;
let engine: Engine;
let server: UnixSocketServer;
let client: QmpClient;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hangar-host-'));
  engine = new Engine({ engine: 'v86', memoryMib: 16, runtimeDir: dir }, () => {});
  server = await UnixSocketServer.listen(join(dir, 'qmp.sock'), engine);
  await engine.start(tinyBackend);
  client = await QmpClient.connect(server.path);
});

after(async () => {
  client.close();
  await engine.dispose();
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

test('negotiation: only qmp_capabilities before, CommandNotFound for it after', async () => {
  const raw = await QmpClient.connect(server.path, { negotiate: false });
  try {
    assert.deepEqual(raw.greeting, { QMP: { version: { qemu: { major: 0, minor: 1, micro: 0 }, package: 'hangar-v86' }, capabilities: [] } });
    const early = await raw.request({ execute: 'query-status', id: 'x' });
    assert.deepEqual(early.error?.class, 'CommandNotFound');
    assert.equal(early.id, 'x');
    await raw.execute('qmp_capabilities');
    await assert.rejects(raw.execute('qmp_capabilities'), (error: QmpCommandError) => error.errorClass === 'CommandNotFound');
  } finally {
    raw.close();
  }
});

test('id echo of any JSON value, and query-commands lists host and backend commands', async () => {
  const reply = await client.request({ execute: 'query-status', id: { n: [1, 'two'] } });
  assert.deepEqual(reply, { return: { status: 'running', running: true }, id: { n: [1, 'two'] } });
  const names = ((await client.execute('query-commands')) as { name: string }[]).map((entry) => entry.name);
  for (const name of ['qmp_capabilities', 'query-commands', 'quit', 'stop', 'cont', 'query-version']) assert.ok(names.includes(name), name);
  assert.ok(!names.includes('screendump'), 'commands the backend lacks are not listed');
  await assert.rejects(client.execute('screendump', { filename: '/tmp/x.png' }), (error: QmpCommandError) => error.errorClass === 'CommandNotFound');
});

test('argument validation names the path and the reason', async () => {
  await assert.rejects(client.execute('stop', { now: true }), (error: QmpCommandError) => error.errorClass === 'GenericError' && /'now'.*not a known field/.test(error.desc));
  await assert.rejects(
    client.execute('input-send-event', { events: [{ type: 'key', data: { down: 'yes' } }] }),
    (error: QmpCommandError) => error.errorClass === 'GenericError' && /events\[0\]\.data\.down/.test(error.desc),
  );
});

test('events are timestamped and reach every negotiated client', async () => {
  const second = await QmpClient.connect(server.path);
  try {
    const before = Date.now() / 1000;
    await client.execute('stop');
    const [one, two] = await Promise.all([client.waitForEvent('STOP', 5000), second.waitForEvent('STOP', 5000)]);
    assert.ok(one.timestamp.seconds >= Math.floor(before) - 1);
    assert.ok(one.timestamp.microseconds >= 0 && one.timestamp.microseconds < 1_000_000);
    assert.equal(two.event, 'STOP');
    await client.execute('cont');
    await client.waitForEvent('RESUME', 5000);
  } finally {
    second.close();
  }
});

test('a plain throw from the emulator faults the engine, which keeps answering', async () => {
  await assert.rejects(client.execute('system_powerdown'), (error: QmpCommandError) => error.errorClass === 'GenericError' && /emulator exploded/.test(error.desc));
  const event = await client.waitForEvent('ENGINE_ERROR', 5000);
  assert.match(String(event.data.reason), /emulator exploded/);
  assert.equal(event.data.fatal, false);
  assert.deepEqual(await client.execute('query-status'), { status: 'internal-error', running: false });
  await assert.rejects(client.execute('cont'), (error: QmpCommandError) => error.errorClass === 'WrongState');
  assert.deepEqual(await client.execute('query-version'), { qemu: { major: 0, minor: 1, micro: 0 }, package: 'tiny' });
});

test('a handler that never answers times out into internal-error instead of hanging', async () => {
  const hungDir = mkdtempSync(join(tmpdir(), 'hangar-hung-'));
  const hungEngine = new Engine({ engine: 'v86', memoryMib: 16, runtimeDir: hungDir }, () => {}, 300);
  const hungServer = await UnixSocketServer.listen(join(hungDir, 'qmp.sock'), hungEngine);
  await hungEngine.start(tinyBackend);
  const hungClient = await QmpClient.connect(hungServer.path);
  try {
    await assert.rejects(hungClient.execute('query-screen-text', {}, 10_000), (error: QmpCommandError) => /hung/.test(error.desc));
    assert.deepEqual(await hungClient.execute('query-status'), { status: 'internal-error', running: false });
    assert.equal((await hungClient.waitForEvent('ENGINE_ERROR', 5000)).data.fatal, false);
  } finally {
    hungClient.close();
    await hungEngine.dispose();
    await hungServer.close();
    rmSync(hungDir, { recursive: true, force: true });
  }
});

test('the socket folder must be private', async () => {
  const open = mkdtempSync(join(tmpdir(), 'hangar-open-'));
  try {
    chmodSync(open, 0o755);
    const other = new Engine({ engine: 'v86', memoryMib: 16, runtimeDir: open }, () => {});
    await assert.rejects(UnixSocketServer.listen(join(open, 'qmp.sock'), other), /must be 0700/);
    assert.equal(existsSync(join(open, 'qmp.sock')), false);
  } finally {
    rmSync(open, { recursive: true, force: true });
  }
});
