/**
 * The v86 engine's NAT process (a CPU-less QEMU) belongs to the engine: it is there while the
 * engine runs with a network card, and gone once the engine is killed with SIGKILL. Without a
 * runnable QEMU the guest still starts, with the network off and the reason in query-network.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { EngineProcess } from '../support/engine-process.js';
import { startEngine } from '../support/engine-process.js';

const grub = '/usr/lib/grub-rescue/grub-rescue-cdrom.iso';
const engines: EngineProcess[] = [];
after(async () => {
  for (const engine of engines) await engine.stop();
});

/** Process ids whose command line contains `text`. */
function processesWith(text: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const argv = readFileSync(join('/proc', entry, 'cmdline'), 'utf8').split('\0');
      // The QEMU itself, not the owned-child guard around it.
      if (/qemu-system/.test(argv[0] ?? '') && argv.some((arg) => arg.includes(text))) found.push(Number(entry));
    } catch {
      // Gone meanwhile.
    }
  }
  return found;
}

async function until(what: string, timeoutMs: number, probe: () => boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

test('SIGKILL of a v86 engine leaves no NAT process behind', { timeout: 120_000 }, async () => {
  const engine = await startEngine({ engine: 'v86', memoryMib: 32, cdrom: grub, args: ['--nic', 'nat'], timeoutMs: 90_000 });
  engines.push(engine);
  const state = (await engine.client.execute('query-network')) as { available: boolean; model: string };
  assert.equal(state.available, true);
  assert.equal(state.model, 'ne2k');
  const nat = processesWith(join(engine.dir, 'nat-qmp.sock'));
  assert.equal(nat.length, 1, 'one NAT process serves this engine');
  engine.child.kill('SIGKILL');
  await engine.exited;
  await until('the NAT process to end', 15_000, () => processesWith(join(engine.dir, 'nat-qmp.sock')).length === 0);
});

test('without a runnable QEMU the v86 guest starts with the network off and the reason reported', { timeout: 120_000 }, async () => {
  const engine = await startEngine({ engine: 'v86', memoryMib: 32, cdrom: grub, args: ['--nic', 'nat', '--options', JSON.stringify({ qemuPath: '/nonexistent/qemu-system-x86_64' })], timeoutMs: 90_000 });
  engines.push(engine);
  assert.equal(((await engine.client.execute('query-status')) as { status: string }).status, 'running');
  const state = (await engine.client.execute('query-network')) as { available: boolean; reason?: string; mode: string };
  assert.equal(state.mode, 'nat');
  assert.equal(state.available, false);
  assert.match(state.reason ?? '', /install qemu-system-x86/);
  await assert.rejects(engine.client.execute('network-forward-add', { 'host-port': 47912, 'guest-port': 22 }), /install qemu-system-x86/);
});
