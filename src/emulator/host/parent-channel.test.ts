/**
 * The parent channel (a real engine process under child_process.fork) refuses requests nested
 * deeper than QMP allows — values arrive by structured clone, which carries depth and even
 * cycles that no JSON text could — with QEMU's error, and keeps answering.
 */
import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { engineEntry } from '../../../test/support/engine-process.js';
import { grubRescueCdrom } from '../../../test/conformance/backends.js';

type Received = { kind: string; message: Record<string, unknown> };

/** Arrays nested `depth` levels (v8's serializer, used by the channel, handles ~3000). */
function nested(depth: number): unknown {
  let value: unknown = [];
  for (let level = 1; level < depth; level++) value = [value];
  return value;
}

test('parent channel: deep or cyclic ids and arguments get GenericError, the engine keeps answering', { timeout: 120_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hangar-parent-'));
  const child = fork(engineEntry, ['--engine', 'v86', '--memory', '32', '--cdrom', grubRescueCdrom, '--runtime-dir', dir, '--paused'], {
    execArgv: ['--import', 'tsx'],
    serialization: 'advanced',
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  let exitCode: number | null | undefined;
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve((exitCode = code))));
  const received: Received[] = [];
  child.on('message', (message) => received.push(message as Received));
  const next = async (what: string, match: (item: Received) => boolean): Promise<Received> => {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const index = received.findIndex(match);
      if (index >= 0) return received.splice(index, 1)[0] as Received;
      if (exitCode !== undefined) throw new Error(`the engine exited (${exitCode}) while waiting for ${what}:\n${stderr}`);
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}:\n${stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };
  const idless = (item: Received): boolean => item.kind === 'qmp' && 'error' in item.message && !('id' in item.message);
  try {
    await next('the greeting', (item) => item.kind === 'qmp' && 'QMP' in item.message);
    child.send({ kind: 'qmp', message: { execute: 'qmp_capabilities', id: 1 } });
    await next('the negotiation', (item) => item.message.id === 1);

    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    const deep = [
      { execute: 'query-status', id: nested(2500) },
      { execute: 'query-status', id: cyclic },
      { execute: 'input-send-event', arguments: { events: nested(2500) }, id: 'deep-arguments' },
    ];
    for (const message of deep) {
      child.send({ kind: 'qmp', message });
      const refused = await next('the refusal', idless);
      assert.deepEqual(refused.message.error, { class: 'GenericError', desc: 'JSON nesting depth limit exceeded (more than 1024 levels)' });
      child.send({ kind: 'qmp', message: { execute: 'query-status', id: 'after' } });
      const status = await next('query-status after it', (item) => item.message.id === 'after');
      assert.deepEqual(status.message.return, { status: 'prelaunch', running: false });
    }
    // A kind that is itself deep is described without walking it.
    child.send({ kind: nested(2500), message: {} });
    const unknown = await next('the refusal of an unknown kind', idless);
    assert.match((unknown.message.error as { desc: string }).desc, /Unknown parent channel message kind \(an array\)/);
    child.send({ kind: 'qmp', message: { execute: 'quit', id: 'quit' } });
    assert.equal(await exited, 0);
  } finally {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});
