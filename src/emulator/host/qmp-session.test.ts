/**
 * A request that goes wrong must not silence its connection: a reply that cannot be sent
 * (here a backend returning a value JSON cannot express, over a real UNIX socket) and a
 * request whose handling throws are each answered with an error, and the next request on the
 * same connection is answered as usual.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { QmpClient } from '../../../test/support/qmp-client.js';
import type { BackendFactory } from '../backend.js';
import type { CommandCall, QmpReply } from '../../shared/protocol/envelope.js';
import { Engine } from './engine.js';
import { QmpSession } from './qmp-session.js';
import { UnixSocketServer } from './unix-socket-server.js';

/** A run-state-only backend whose query-version answers with a BigInt, as a buggy emulator binding might. */
const unserialisable: BackendFactory = async () => ({
  kind: 'v86',
  status: () => 'running',
  replayDisplay: (send) => send({ type: 'mode', mode: 'off' }),
  dispose: async () => {},
  handlers: {
    'query-version': () => ({ qemu: { major: 7n as unknown as number, minor: 2, micro: 0 }, package: 'bigint' }),
  },
});

let dir: string;
let engine: Engine;
let server: UnixSocketServer;
const logged: string[] = [];

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hangar-session-'));
  engine = new Engine({ engine: 'v86', memoryMib: 16, runtimeDir: dir }, (line) => logged.push(line));
  server = await UnixSocketServer.listen(join(dir, 'qmp.sock'), engine);
  await engine.start(unserialisable);
});

after(async () => {
  await engine.dispose();
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

test('a reply that cannot be sent is answered with an error carrying its id; the connection keeps answering', async () => {
  const client = await QmpClient.connect(server.path);
  try {
    for (let attempt = 0; attempt < 2; attempt++) {
      const failed = await client.request({ execute: 'query-version', id: `v${attempt}` }, 10_000);
      assert.equal(failed.id, `v${attempt}`);
      assert.equal(failed.error?.class, 'GenericError');
      assert.match(failed.error?.desc ?? '', /The reply could not be sent: .*BigInt/);
      assert.deepEqual(await client.execute('query-status', {}, 10_000), { status: 'running', running: true });
    }
    assert.ok(logged.some((line) => line.includes('a reply could not be sent')), 'the engine log says what happened');
  } finally {
    client.close();
  }
});

test('a request whose handling throws is answered with an error; the next one is answered', async () => {
  const sent: object[] = [];
  let throwNext = true;
  // The session's engine side, as the engine presents it, except that dispatch throws once.
  const throwing = {
    greeting: () => engine.greeting(),
    commandNames: () => engine.commandNames(),
    log: (line: string) => logged.push(line),
    dispatch: async (call: CommandCall): Promise<QmpReply> => {
      if (throwNext) {
        throwNext = false;
        throw new Error('dispatcher exploded');
      }
      return engine.dispatch(call);
    },
  };
  const session = new QmpSession(throwing, (message) => sent.push(message));
  session.receive({ ok: true, value: { execute: 'qmp_capabilities' } });
  session.receive({ ok: true, value: { execute: 'query-status', id: 1 } });
  session.receive({ ok: true, value: { execute: 'query-status', id: 2 } });
  await session.drain();
  assert.deepEqual(sent, [
    { return: {} },
    { error: { class: 'GenericError', desc: 'The engine failed to handle the request: dispatcher exploded' }, id: 1 },
    { return: { status: 'running', running: true }, id: 2 },
  ]);
});

test('a send that throws for every reply still leaves the queue usable', async () => {
  let failing = true;
  const sent: object[] = [];
  const session = new QmpSession(engine, (message) => {
    if (failing) throw new Error('socket gone wrong');
    sent.push(message);
  });
  session.receive({ ok: true, value: { execute: 'qmp_capabilities', id: 'a' } });
  await session.drain();
  failing = false;
  session.receive({ ok: true, value: { execute: 'query-status', id: 'b' } });
  await session.drain();
  assert.deepEqual(sent, [{ return: { status: 'running', running: true }, id: 'b' }]);
});
