/**
 * The Linux test guest plus the kernel's virtio_console driver, for tests of the clipboard agent
 * channel: a guest program can then open the agent's virtio-serial port (/dev/vportNpM named
 * com.redhat.spice.0) as spice-vdagentd would. Built by the test guest's own script with that
 * module added to its list (the derived script is written next to the ISO, so the script's
 * stamp changes whenever the original does), cached in test-artifacts/guest-agent, never committed.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
/** Where the variant is built. */
export const agentGuestFolder = join(root, 'test-artifacts', 'guest-agent');

/** The build script with virtio_console among the modules copied and loaded; fails loudly if the recipe moved. */
function derivedScript(): string {
  const original = readFileSync(join(root, 'scripts', 'build-test-guest.sh'), 'utf8');
  const wanted = /^wanted="/m;
  const loaded = /^for module in /m;
  assert.ok(wanted.test(original) && loaded.test(original), 'scripts/build-test-guest.sh no longer has its wanted= and "for module in" lines; update test/support/agent-guest.ts');
  return original.replace(wanted, 'wanted="virtio_console ').replace(loaded, 'for module in virtio_console ');
}

/** Builds (once, under a lock) or finds the agent-capable guest ISO and returns its path. */
export function ensureAgentGuestIso(timeoutMs = 600_000): string {
  mkdirSync(agentGuestFolder, { recursive: true });
  const script = join(agentGuestFolder, 'build-agent-guest.sh');
  const text = derivedScript();
  if (!existsSync(script) || readFileSync(script, 'utf8') !== text) writeFileSync(script, text, { mode: 0o700 });
  execFileSync('flock', ['-w', String(Math.ceil(timeoutMs / 1000)), join(agentGuestFolder, '.build.lock'), 'bash', script, agentGuestFolder], {
    stdio: ['ignore', 'inherit', 'inherit'],
    timeout: timeoutMs,
  });
  const iso = join(agentGuestFolder, 'linux-test-guest.iso');
  assert.ok(existsSync(iso), `${iso} was not built; read the build script's output above`);
  return iso;
}
