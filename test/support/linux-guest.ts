/**
 * The Linux test guest (scripts/build-test-guest.sh) for tests: build or locate its ISO, wait for
 * its boot markers on COM1, and run shell commands on its serial console with their output and
 * exit status. Works on an engine's QMP client and on the app core alike through `GuestConsole`.
 *
 *   const iso = ensureGuestIso();                         // builds once (under a lock), returns the path
 *   const guest = engineConsole(engine.client);           // or coreConsole(core, id), streamConsole(out, in)
 *   const { net } = await waitForGuestBoot(guest);        // 'net eth0 10.0.2.15' (or 'net none')
 *   const { status, output } = await guestShell(guest, 'cat /proc/cpuinfo', 30_000);
 *   await waitForSerial(guest, /guest-got:hi/, 20_000, 'data into the guest');
 *   await startGuestServer(guest, 8080, 'banner');        // nc -l in the guest: banner, then echo a line to COM1
 *   await talk(hostPort, /banner/, 'hi\n');               // host side of that server
 *
 * The guest's COM1 prints `hangar-guest: booted`, `hangar-guest: net eth0 10.0.2.15` (one line per
 * leased interface, or `net none`), `hangar-guest: ready`, then a root shell prompt `/ # `.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { QmpClient } from './qmp-client.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** Where the guest is built (test-artifacts/guest, never committed). */
export const guestFolder = join(root, 'test-artifacts', 'guest');
/** The bootable guest ISO (boot it as a CD). */
export const guestIso = join(guestFolder, 'linux-test-guest.iso');

let ensured = false;

/**
 * Builds the guest ISO if it is missing or stale (the script does nothing when current) and
 * returns its path. A file lock keeps test files running in parallel from building it twice at once.
 */
export function ensureGuestIso(timeoutMs = 600_000): string {
  if (ensured && existsSync(guestIso)) return guestIso;
  mkdirSync(guestFolder, { recursive: true });
  execFileSync('flock', ['-w', String(Math.ceil(timeoutMs / 1000)), join(guestFolder, '.build.lock'), 'bash', join(root, 'scripts', 'build-test-guest.sh'), guestFolder], {
    stdio: ['ignore', 'inherit', 'inherit'],
    timeout: timeoutMs,
  });
  assert.ok(existsSync(guestIso), `${guestIso} was not built; run bash scripts/build-test-guest.sh and read its output`);
  ensured = true;
  return guestIso;
}

/** Something that sees the guest's COM1 output as events and can type into it. */
export interface GuestConsole {
  /** Every event received so far, in order; SERIAL_OUTPUT ones carry `{data: base64}`. */
  readonly events: readonly { event: string; data?: unknown }[];
  /** Types `data` on the guest's COM1. */
  write(data: string): Promise<unknown>;
}

/** The console of an engine driven directly (test/support/engine-process.ts). */
export function engineConsole(client: QmpClient): GuestConsole {
  return { events: client.events, write: (data) => client.execute('serial-write', { data }) };
}

/**
 * The console of a guest whose COM1 is a byte stream (e.g. bare QEMU with `-chardev stdio`):
 * what `output` yields is its serial output, `input` its keyboard.
 */
export function streamConsole(output: NodeJS.ReadableStream, input: NodeJS.WritableStream): GuestConsole {
  const events: { event: string; data: { data: string } }[] = [];
  output.on('data', (chunk: Buffer | string) => events.push({ event: 'SERIAL_OUTPUT', data: { data: Buffer.from(chunk).toString('base64') } }));
  return {
    events,
    write: (data) => new Promise<void>((resolve, reject) => input.write(data, (error) => (error ? reject(error) : resolve()))),
  };
}

/** Minimal view of HangarCore that coreConsole needs (keeps this module free of the core's imports). */
export interface CoreLike {
  subscribe(listener: (event: { event: string; data?: unknown }) => void): () => void;
  call(name: 'vm.serial-write', args: { id: string; data: string }): Promise<unknown>;
}

/**
 * The console of a machine run by the app core. Subscribes now: only output from this call on is
 * seen, so create it before `vm.start`. `close()` unsubscribes.
 */
export function coreConsole(core: CoreLike, id: string): GuestConsole & { close(): void } {
  const events: { event: string; data?: unknown }[] = [];
  // Only this machine's serial output: other machines' would mix into its text.
  const close = core.subscribe((event) => {
    if (event.event === 'SERIAL_OUTPUT' && (event.data as { id?: string } | undefined)?.id === id) events.push(event);
  });
  return {
    events,
    write: async (data) => {
      const result = (await core.call('vm.serial-write', { id, data })) as { ok: boolean; error?: { class: string; desc: string } };
      if (!result.ok) throw new Error(`vm.serial-write: ${result.error?.class}: ${result.error?.desc}`);
      return result;
    },
    close,
  };
}

/** The guest's COM1 output since event index `from`, as text. */
export function serialText(guest: GuestConsole, from = 0): string {
  return guest.events
    .slice(from)
    .filter((event) => event.event === 'SERIAL_OUTPUT')
    .map((event) => Buffer.from((event.data as { data: string }).data, 'base64').toString('latin1'))
    .join('');
}

/** Waits until `pattern` matches the COM1 output since `from`; fails naming `what`, with the tail of the output. */
export async function waitForSerial(guest: GuestConsole, pattern: RegExp, timeoutMs: number, what: string, from = 0): Promise<RegExpExecArray> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const match = pattern.exec(serialText(guest, from));
    if (match) return match;
    if (Date.now() > deadline) assert.fail(`${what}: no ${pattern} on COM1 within ${timeoutMs} ms; got:\n${serialText(guest, from).slice(-2000)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** What the guest reported while booting. */
export interface GuestBoot {
  /** The first network marker: 'net eth0 10.0.2.15' or 'net none'. */
  net: string;
  /** Milliseconds from the call to the network marker. */
  netMs: number;
  /** Milliseconds from the call to the shell prompt. */
  readyMs: number;
}

/** Waits for the guest's network marker, `ready` and the shell prompt (from event index `from`). */
export async function waitForGuestBoot(guest: GuestConsole, options: { timeoutMs?: number; what?: string; from?: number } = {}): Promise<GuestBoot> {
  const started = Date.now();
  const what = options.what ?? 'guest boot';
  const from = options.from ?? 0;
  const match = await waitForSerial(guest, /hangar-guest: (net [^\r\n]*)/, options.timeoutMs ?? 300_000, `${what} (network marker)`, from);
  const netMs = Date.now() - started;
  await waitForSerial(guest, /hangar-guest: ready/, 60_000, `${what} (ready)`, from);
  await waitForSerial(guest, /\/ # /, 30_000, `${what} (shell prompt)`, from);
  return { net: match[1] as string, netMs, readyMs: Date.now() - started };
}

let commandCount = 0;

/** One finished guest shell command. */
export interface GuestShellResult {
  /** Its exit status. */
  status: number;
  /** What it printed (stdout and stderr, \r removed, without the trailing newline). */
  output: string;
  /** All COM1 text from the moment it was typed (echo included), for failure messages. */
  raw: string;
}

/**
 * Types `command` on the guest's serial shell and waits for its exit status. The markers around
 * it are computed by the shell (`$((…))`), so the terminal's echo of the typed line cannot match them.
 */
export async function guestShell(guest: GuestConsole, command: string, timeoutMs = 60_000): Promise<GuestShellResult> {
  const id = ++commandCount;
  const from = guest.events.length;
  await guest.write(`echo "BEGIN$((${id}+100000))"; ${command}; echo "END${id}-$((1000+$?))"\n`);
  const match = await waitForSerial(guest, new RegExp(`END${id}-1(\\d{3})`), timeoutMs, `"${command}"`, from);
  const raw = serialText(guest, from);
  const begin = new RegExp(`BEGIN${id + 100000}\\r?\\n`).exec(raw);
  const end = raw.lastIndexOf(`END${id}-1`);
  const output = begin ? raw.slice(begin.index + begin[0].length, end).replace(/\r/g, '').replace(/\n$/, '') : '';
  return { status: Number(match[1]), output, raw };
}

/** guestShell that fails the test unless the command exits 0; returns its output. */
export async function guestRun(guest: GuestConsole, command: string, timeoutMs = 60_000): Promise<string> {
  const result = await guestShell(guest, command, timeoutMs);
  assert.equal(result.status, 0, `"${command}" exited ${result.status} in the guest:\n${result.raw.slice(-2000)}`);
  return result.output;
}

/** A TCP port free on host loopback right now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Connects to 127.0.0.1:port, waits for `expect` in what comes back, sends `send`; rejects after timeoutMs. */
export function talk(port: number, expect: RegExp, send: string, timeoutMs = 20_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let received = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no ${expect} from 127.0.0.1:${port} within ${timeoutMs} ms (got ${JSON.stringify(received)})`));
    }, timeoutMs);
    socket.on('data', (chunk) => {
      received += chunk.toString('latin1');
      if (expect.test(received)) {
        socket.write(send);
        clearTimeout(timer);
        setTimeout(() => {
          socket.destroy();
          resolve(received);
        }, 500);
      }
    });
    socket.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      if (!expect.test(received)) reject(new Error(`127.0.0.1:${port} closed without ${expect} (got ${JSON.stringify(received)})`));
    });
  });
}

/**
 * Starts, in the guest, a one-shot TCP server on `port` (busybox nc) that writes `banner` first
 * and then prints `guest-got:<the line it receives>` on COM1.
 */
export async function startGuestServer(guest: GuestConsole, port: number, banner: string): Promise<void> {
  await guestRun(guest, `printf '#!/bin/sh\\necho ${banner}\\nread line\\necho "guest-got:$line" > /dev/ttyS0\\n' > /tmp/srv${port}; chmod +x /tmp/srv${port}`);
  await guest.write(`(nc -l -p ${port} -e /tmp/srv${port} &) \n`);
  // nc has no readiness signal: wait until the kernel lists its socket as listening (state 0A in
  // /proc/net/tcp or tcp6, the port in hex). A fixed pause was too short for a slow guest on a
  // loaded machine (a connection came first and was refused) and too long for a fast one.
  const listening = `cat /proc/net/tcp /proc/net/tcp6 2>/dev/null | grep -qE ':${port.toString(16).toUpperCase().padStart(4, '0')} 0+:0000 0A'`;
  await guestRun(guest, `n=0; until ${listening}; do n=$((n+1)); [ $n -ge 300 ] && break; usleep 100000; done; ${listening}`, 60_000);
}

/**
 * The guest fetches `url` with busybox wget, bounded by busybox timeout (the guest's busybox 1.35
 * wget segfaults on its own -T option). A command for guestShell.
 */
export const guestFetch = (url: string, seconds = 8): string => `timeout ${seconds} wget -q -O - ${url}`;
