/**
 * The web shell under hostile input, with a real core and a running v86 guest: each input that
 * used to throw out of a handler (and end the process with every guest) is refused with 400 or a
 * WebSocket close code (1007 invalid data, 1009 too big, 1002 protocol error) or an
 * InvalidArgument answer, is logged, and afterwards the shell still serves the page and the API,
 * and the guest runs on in the same engine session.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { WebSocket } from 'ws';
import { HangarCore } from '../../src/main/core/hangar-core.js';
import { apiMessageLimitBytes, displayMessageLimitBytes, startWebShell } from '../../src/main/web/index.js';
import type { WebShell } from '../../src/main/web/index.js';
import type { EngineSession } from '../../src/main/supervisor/index.js';
import { ApiClient, frame, httpStatus, rawHttp, rawUpgrade } from './web-client.js';

const home = mkdtempSync(join(tmpdir(), 'hangar-web-hostile-'));
const rendererDir = join(home, 'renderer');
const logged: string[] = [];
let core: HangarCore;
let shell: WebShell;
let session: EngineSession;

before(async () => {
  mkdirSync(rendererDir, { recursive: true });
  writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>Hangar UI</title>');
  core = await HangarCore.open({ folder: join(home, 'library') });
  shell = await startWebShell({ core, rendererDir, log: (line) => logged.push(line), logLimit: { burst: 100_000, windowMs: 60_000 } });
  const created = await core.call('machines.create', { name: 'grub', engine: 'v86', memoryMib: 32, osId: 'grub', cdrom: '/usr/lib/grub-rescue/grub-rescue-cdrom.iso' });
  assert.equal(created.ok, true, JSON.stringify(created));
  const started = await core.call('vm.start', { id: 'grub' });
  assert.equal(started.ok, true, JSON.stringify(started));
  session = core.engineSession('grub') as EngineSession;
  assert.ok(session, 'the guest runs');
});

after(async () => {
  await shell?.close();
  await core?.close();
  rmSync(home, { recursive: true, force: true });
});

/** The page loads, a fresh API socket answers, and the guest is running in the same engine session. */
async function stillServing(after: string): Promise<void> {
  assert.equal(await httpStatus(shell.port, `/?token=${shell.token}`), 200, `the page after ${after}`);
  const api = await ApiClient.open(shell.port, shell.token);
  try {
    const status = await api.call('vm.status', { id: 'grub' });
    assert.equal(status.ok, true, `vm.status after ${after}: ${JSON.stringify(status)}`);
    assert.equal((status.value as { status?: string }).status, 'running', `the guest after ${after}`);
  } finally {
    api.close();
  }
  assert.equal(core.engineSession('grub'), session, `the same engine session after ${after}`);
}

/** Lines logged while `action` ran. */
async function logDuring(action: () => Promise<void>): Promise<string[]> {
  const from = logged.length;
  await action();
  // Logging happens in the shell's handlers; give the last one a moment to run.
  await new Promise((resolve) => setTimeout(resolve, 50));
  return logged.slice(from);
}

test('GET // and //x (with and without a token) are answered, not thrown on', async () => {
  const lines = await logDuring(async () => {
    assert.equal(await httpStatus(shell.port, '//'), 401);
    assert.equal(await httpStatus(shell.port, '//x'), 401);
    assert.equal(await httpStatus(shell.port, '//x/y?a=1'), 401);
    assert.equal(await httpStatus(shell.port, `//?token=${shell.token}`), 404);
    assert.equal(await httpStatus(shell.port, `//x?token=${shell.token}`), 404);
  });
  assert.ok(lines.filter((line) => /HTTP 401/.test(line)).length >= 3, lines.join('\n'));
  await stillServing('GET //');
});

test('a malformed percent-escape or request target gets 400, on requests and on upgrades', async () => {
  const lines = await logDuring(async () => {
    assert.equal(await httpStatus(shell.port, '/%E0%A4%A'), 400);
    assert.equal(await httpStatus(shell.port, `/%E0%A4%A?token=${shell.token}`), 400);
    assert.equal(await httpStatus(shell.port, `/assets/%ZZ.js?token=${shell.token}`), 400);
    assert.equal((await rawHttp(shell.port, `GET http://127.0.0.1:${shell.port}/?token=${shell.token} HTTP/1.1\r\nhost: 127.0.0.1:${shell.port}\r\n\r\n`)).status, 400);
    for (const path of [`/display/%E0%A4%A?token=${shell.token}`, `/api%?token=${shell.token}`, '/%E0%A4%A']) {
      const refused = await rawUpgrade(shell.port, path);
      assert.equal(refused.status, 400, path);
      assert.ok(await refused.closed(5_000), `the refused upgrade of ${path} is closed by the server`);
    }
  });
  assert.ok(lines.filter((line) => /400/.test(line)).length >= 7, lines.join('\n'));
  assert.ok(lines.every((line) => !line.includes('\n') && !line.includes('\r')), 'one line each');
  await stillServing('malformed escapes');
});

test('unparsable HTTP gets 400 and is logged', async () => {
  const lines = await logDuring(async () => {
    assert.equal((await rawHttp(shell.port, 'NOT HTTP AT ALL\r\n\r\n')).status, 400);
    assert.equal((await rawHttp(shell.port, `GET / HTTP/1.1\r\nhost: 127.0.0.1:${shell.port}\r\nbad header line\r\n\r\n`)).status, 400);
    assert.equal((await rawHttp(shell.port, `GET /?token=${shell.token} HTTP/1.1\r\nhost: 127.0.0.1:${shell.port}\r\nx: ${'a'.repeat(20_000)}\r\n\r\n`)).status, 431);
    assert.equal((await rawHttp(shell.port, `POST /?token=${shell.token} HTTP/1.1\r\nhost: 127.0.0.1:${shell.port}\r\ncontent-length: 100000000\r\n\r\nabc`)).status, 405);
    const badKey = await rawUpgrade(shell.port, `/api?token=${shell.token}`, { 'sec-websocket-key': 'short' });
    assert.equal(badKey.status, 400);
    assert.ok(await badKey.closed(5_000), 'the refused handshake is closed by the server');
  });
  assert.ok(lines.filter((line) => /unparsable/.test(line)).length >= 3, lines.join('\n'));
  assert.ok(lines.some((line) => /handshake.*Sec-WebSocket-Key/i.test(line)), lines.join('\n'));
  await stillServing('unparsable HTTP');
});

for (const channel of ['api', 'display'] as const) {
  const path = (): string => (channel === 'api' ? `/api?token=${shell.token}` : `/display/grub?token=${shell.token}`);
  const limit = channel === 'api' ? apiMessageLimitBytes : displayMessageLimitBytes;

  test(`${channel} socket: WebSocket protocol errors close that connection with 1007/1009/1002 and are logged`, async () => {
    const cases: { name: string; bytes: () => Buffer; code: number; log: RegExp }[] = [
      { name: 'invalid UTF-8 in a text frame', bytes: () => frame({ opcode: 0x1, payload: Buffer.from([0x7b, 0xff, 0xfe, 0x7d]) }), code: 1007, log: /UTF-8.*1007/ },
      { name: 'a frame declaring more than the limit', bytes: () => frame({ opcode: 0x1, declaredLength: limit + 1 }), code: 1009, log: /1009/ },
      { name: 'a frame over the limit, sent in full', bytes: () => frame({ opcode: 0x2, payload: Buffer.alloc(limit + 1, 0x61) }), code: 1009, log: /1009/ },
      {
        name: 'fragments adding up to more than the limit',
        bytes: () => Buffer.concat([frame({ opcode: 0x1, fin: false, payload: Buffer.alloc(limit / 2 + 8, 0x20) }), frame({ opcode: 0x0, payload: Buffer.alloc(limit / 2 + 8, 0x20) })]),
        code: 1009,
        log: /1009/,
      },
      { name: 'reserved bits set', bytes: () => frame({ opcode: 0x1, rsv: 2, payload: Buffer.from('{}') }), code: 1002, log: /RSV.*1002/ },
      { name: 'an unmasked client frame', bytes: () => frame({ opcode: 0x1, mask: false, payload: Buffer.from('{}') }), code: 1002, log: /MASK.*1002/ },
      { name: 'an unknown opcode', bytes: () => frame({ opcode: 0x3 }), code: 1002, log: /opcode.*1002/ },
    ];
    for (const item of cases) {
      const lines = await logDuring(async () => {
        const raw = await rawUpgrade(shell.port, path());
        assert.equal(raw.status, 101, item.name);
        raw.write(item.bytes());
        assert.equal(await raw.closeCode(10_000), item.code, item.name);
        raw.socket.destroy();
      });
      assert.ok(lines.some((line) => item.log.test(line)), `${item.name} is logged: ${lines.join('\n')}`);
      await stillServing(`${item.name} on ${channel}`);
    }
  });
}

test('api socket: a binary frame is closed with 1003', async () => {
  const raw = await rawUpgrade(shell.port, `/api?token=${shell.token}`);
  raw.write(frame({ opcode: 0x2, payload: Buffer.from('{"id":1,"call":"machines.list"}') }));
  assert.equal(await raw.closeCode(10_000), 1003);
  raw.socket.destroy();
  await stillServing('a binary API frame');
});

test('api socket: non-object, broken, too deep JSON and a deeply nested call are answered InvalidArgument; the connection stays open', async () => {
  const api = await ApiClient.open(shell.port, shell.token);
  try {
    const refusals: [string, RegExp][] = [
      ['null', /objects.*not null/],
      ['7', /objects.*not number/],
      ['[1,2]', /objects.*not an array/],
      ['{"id":1,"call":', /JSON parse error/],
      [`${'['.repeat(100_000)}${']'.repeat(100_000)}`, /nesting depth/],
      [`{"id":2,"call":${'['.repeat(100_000)}${']'.repeat(100_000)}}`, /nesting depth/],
      [`{"id":3,"call":"machines.list","args":${'{"a":'.repeat(50_000)}1${'}'.repeat(50_000)}}`, /nesting depth/],
    ];
    for (const [text, expected] of refusals) {
      const lines = await logDuring(async () => {
        api.ws.send(text);
        const answer = await api.nextUnmatched(10_000);
        assert.equal(answer.error?.class, 'InvalidArgument', text.slice(0, 40));
        assert.match(answer.error?.desc ?? '', expected);
      });
      assert.ok(lines.some((line) => /refused a message/.test(line)), `logged: ${text.slice(0, 40)}`);
    }
    // Within the nesting limit the message reaches the core, which must not echo the value back.
    const nested = await api.send((id) => `{"id":${id},"call":${'['.repeat(1000)}${']'.repeat(1000)}}`);
    assert.equal(nested.error?.class, 'InvalidArgument');
    assert.match(nested.error?.desc ?? '', /must be a string/);
    const long = await api.call('x'.repeat(1_000_000));
    assert.equal(long.error?.class, 'InvalidArgument');
    assert.ok((long.error?.desc.length ?? 0) < 300, 'an unknown command name is not echoed in full');
    const deepArgs = await api.send((id) => `{"id":${id},"call":"vm.status","args":${'{"id":'.repeat(1000)}"grub"${'}'.repeat(1000)}}`);
    assert.equal(deepArgs.error?.class, 'InvalidArgument');
    const status = await api.call('vm.status', { id: 'grub' });
    assert.equal(status.ok, true, 'the same connection still answers');
  } finally {
    api.close();
  }
  await stillServing('bad API messages');
});

test('core.call with a call nested 100 000 levels deep answers InvalidArgument instead of overflowing the stack', async () => {
  let deep: unknown = [];
  for (let level = 0; level < 100_000; level++) deep = [deep];
  const result = await core.call(deep, {});
  assert.equal(result.ok, false);
  assert.equal(!result.ok && result.error.class, 'InvalidArgument');
  assert.match(!result.ok ? result.error.desc : '', /must be a string, not an array/);
  assert.match(!result.ok ? ((await core.call(null, {})) as { error: { desc: string } }).error.desc : '', /not null/);
});

test('display socket: bad input (not JSON, not an object, too deep, binary) is answered by an error frame; the viewer and the guest carry on', async () => {
  const ws = new WebSocket(`ws://127.0.0.1:${shell.port}/display/grub?token=${shell.token}`);
  const texts: string[] = [];
  let binaryFrames = 0;
  ws.on('message', (data, isBinary) => (isBinary ? binaryFrames++ : texts.push(String(data))));
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the display socket did not open in 10 s')), 10_000);
    ws.once('open', () => (clearTimeout(timer), resolve(undefined)));
    ws.once('error', reject);
  });
  try {
    const inputs: [string | Buffer, RegExp][] = [
      ['not json', /JSON parse error/],
      ['null', /not null/],
      ['[{"type":"key"}]', /not an array/],
      [`{"events":${'['.repeat(100_000)}${']'.repeat(100_000)}}`, /nesting depth/],
      [Buffer.from([1, 2, 3]), /JSON text frame/],
    ];
    for (const [input, expected] of inputs) {
      const lines = await logDuring(async () => {
        const before = texts.length;
        ws.send(input, { binary: Buffer.isBuffer(input) });
        const deadline = Date.now() + 10_000;
        while (texts.length === before && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
        const reply = JSON.parse(texts[before] ?? '{}') as { error?: { class: string; desc: string } };
        assert.equal(reply.error?.class, 'InvalidArgument', String(input).slice(0, 40));
        assert.match(reply.error?.desc ?? '', expected);
      });
      assert.ok(lines.some((line) => /display socket/.test(line)), `logged: ${String(input).slice(0, 40)}`);
    }
    assert.equal(ws.readyState, WebSocket.OPEN, 'the viewer stays connected');
    // The screen comes first on attach, but it may still be on its way after the quick exchanges above.
    const deadline = Date.now() + 10_000;
    while (binaryFrames === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    assert.ok(binaryFrames > 0, 'the viewer got the screen');
  } finally {
    ws.terminate();
  }
  await stillServing('bad display input');
});

test('a flood of bad requests is logged at most burst lines per window, then summed up', async () => {
  const lines: string[] = [];
  const flooded = await startWebShell({ core, rendererDir, log: (line) => lines.push(line), logLimit: { burst: 5, windowMs: 60_000 } });
  try {
    for (let index = 0; index < 200; index++) assert.equal(await httpStatus(flooded.port, `/%E0%A4%A?i=${index}`), 400);
    assert.equal(lines.length, 5, lines.join('\n'));
  } finally {
    await flooded.close();
  }
  assert.equal(lines.length, 6);
  assert.match(lines[5] ?? '', /^195 more refused inputs not logged/);
});

test('a log line cannot be forged or reordered by the path it quotes', async () => {
  const lines = await logDuring(async () => {
    assert.equal(await httpStatus(shell.port, '/%0D%0Afake%E2%80%AE%ZZ'), 400);
    assert.equal((await rawHttp(shell.port, `GET /\u202e\u0007x HTTP/1.1\r\nhost: 127.0.0.1:${shell.port}\r\n\r\n`)).status, 400);
  });
  assert.ok(lines.length >= 2, lines.join('\n'));
  // Control characters are exactly what this looks for.
  // eslint-disable-next-line no-control-regex
  for (const line of lines) assert.doesNotMatch(line, /[\u0000-\u001f\u202e]/);
});
