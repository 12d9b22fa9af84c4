// Benchmark: a 50 MiB HTTP download from a server on host loopback into the Linux test guest
// (scripts/build-test-guest.sh; `wget -O /dev/null http://10.0.2.2:PORT/…` in the guest; timed from
// the request reaching the host to the guest's exit status) through
// user-mode networking: Hangar's v86 engine (its NIC bridged to the CPU-less QEMU NAT helper),
// Hangar's QEMU engine, and a bare qemu-system-x86_64 with slirp (`-netdev user`) for the same
// guest. Prints MiB/s and the CPU seconds per MiB of each process (from /proc/PID/stat), raw and
// net of the idle guest's own rate, and the ratios against bare QEMU.
//
// Run: node --import tsx bench/network-download.ts [runs] [setup-word…]
//   runs: downloads per setup (one boot each; default 3). Setup words pick setups whose name
//   contains one (e.g. `v86`, `bare`); default all.
import { execFileSync } from 'node:child_process';
import { spawnOwned } from '../src/node/owned-child.js';
import { readFileSync, readdirSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { engineArguments } from '../test/conformance/backends.js';
import { startEngine } from '../test/support/engine-process.js';
import type { GuestConsole } from '../test/support/linux-guest.js';
import { engineConsole, ensureGuestIso, serialText, streamConsole, waitForGuestBoot } from '../test/support/linux-guest.js';

const MIB = 1024 * 1024;
const sizeMib = 50;
const runs = Number(process.argv[2] ?? 3);
const words = process.argv.slice(3);
const idleSeconds = 5;
const ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

/** User + system CPU seconds of one process so far (0 once it is gone). */
function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
  } catch {
    return 0;
  }
}

/** Every descendant of `pid` with its command name. */
function descendants(pid: number): { pid: number; comm: string }[] {
  const found: { pid: number; comm: string }[] = [];
  let tasks: string[] = [];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return found;
  }
  for (const task of tasks) {
    let children: string[] = [];
    try {
      children = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
    } catch {
      continue;
    }
    for (const child of children.map(Number)) {
      let comm = '?';
      try {
        comm = readFileSync(`/proc/${child}/comm`, 'utf8').trim();
      } catch {
        // Gone already.
      }
      found.push({ pid: child, comm }, ...descendants(child));
    }
  }
  return found;
}

/** A booted guest and the processes whose CPU time counts for it, by role. */
interface Running {
  guest: GuestConsole;
  processes: { role: string; pid: number }[];
  stop(): Promise<void>;
}

interface Setup {
  name: string;
  start(iso: string): Promise<Running>;
}

/** Hangar's engine process (spawned from its entry file, as the app does) with user-mode networking. */
function hangarEngine(name: string, engine: 'v86' | 'qemu', model: string, helperRole: string): Setup {
  return {
    name,
    start: async (iso) => {
      const engineProcess = await startEngine({ engine, memoryMib: 256, cdrom: iso, args: [...engineArguments[engine], '--nic', 'nat', '--nic-model', model], timeoutMs: 120_000 });
      const guest = engineConsole(engineProcess.client);
      await waitForGuestBoot(guest, { timeoutMs: 300_000, what: name });
      const enginePid = engineProcess.child.pid as number;
      const qemu = descendants(enginePid).filter((child) => child.comm.startsWith('qemu'));
      if (qemu.length !== 1) throw new Error(`${name}: expected one QEMU process under the engine, found ${JSON.stringify(qemu)}`);
      return {
        guest,
        processes: [
          { role: 'engine (node)', pid: enginePid },
          { role: helperRole, pid: (qemu[0] as { pid: number }).pid },
        ],
        stop: () => engineProcess.stop(),
      };
    },
  };
}

/** qemu-system-x86_64 alone, arguments as Hangar's QEMU engine gives them, COM1 on stdio. */
const bareQemu: Setup = {
  name: 'bare QEMU e1000 (slirp)',
  start: async (iso) => {
    const args = ['-nodefaults', '-machine', 'pc', '-accel', 'tcg', '-cpu', 'qemu64', '-m', '256', '-smp', '1', '-display', 'none', '-vga', 'std'];
    args.push('-drive', `if=none,id=drive-cd0,media=cdrom,readonly=on,format=raw,file=${iso}`, '-device', 'ide-cd,drive=drive-cd0,id=cd0,bus=ide.1,unit=0', '-boot', 'order=d');
    args.push('-chardev', 'stdio,id=serial0,signal=off', '-device', 'isa-serial,chardev=serial0,id=com1');
    args.push('-netdev', 'user,id=net0', '-device', 'e1000,netdev=net0,mac=52:54:00:be:00:01,id=nic0');
    const child = spawnOwned('qemu-system-x86_64', args, { stdio: ['pipe', 'pipe', 'inherit'] });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    const stop = async (): Promise<void> => {
      child.kill('SIGKILL');
      await exited;
    };
    try {
      if (!child.stdout || !child.stdin) throw new Error('bare QEMU was started without its console pipes');
      const guest = streamConsole(child.stdout, child.stdin);
      await waitForGuestBoot(guest, { timeoutMs: 300_000, what: 'bare QEMU' });
      return { guest, processes: [{ role: 'qemu-system-x86_64', pid: child.pid as number }], stop };
    } catch (error) {
      await stop();
      throw error;
    }
  },
};

const setups: Setup[] = [
  hangarEngine('v86 ne2k (bridge to NAT helper)', 'v86', 'ne2k', 'NAT helper (qemu -M none)'),
  hangarEngine('v86 virtio (bridge to NAT helper)', 'v86', 'virtio', 'NAT helper (qemu -M none)'),
  hangarEngine('Hangar QEMU engine e1000', 'qemu', 'e1000', 'qemu-system-x86_64'),
  bareQemu,
].filter((setup) => words.length === 0 || words.some((word) => setup.name.includes(word)));
if (setups.length === 0) {
  console.error(`No setup matches ${words.join(', ')}.`);
  process.exit(2);
}

// The host side: any path answers sizeMib MiB of bytes, written with back-pressure.
const chunk = Buffer.alloc(MIB, 0x5a);
const served: { ms: number; bytes: number }[] = [];
/** When the guest's last request arrived (the clock of a download starts there, not at typing). */
let requestAt = 0;
const server = createServer((_request, response) => {
  const started = performance.now();
  requestAt = started;
  let sent = 0;
  response.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(sizeMib * MIB) });
  const pump = (): void => {
    while (sent < sizeMib) {
      sent++;
      if (!response.write(chunk)) {
        response.once('drain', pump);
        return;
      }
    }
    response.end(() => served.push({ ms: performance.now() - started, bytes: sent * MIB }));
  };
  pump();
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const port = (server.address() as AddressInfo).port;
const iso = ensureGuestIso();

let downloads = 0;
/**
 * Has the guest fetch `url` into /dev/null; its time runs from the request reaching the host to
 * the guest's exit status on COM1, polled every 10 ms (guestShell's 200 ms would blur a 1 s run).
 */
async function download(guest: GuestConsole, url: string): Promise<{ status: number; seconds: number; raw: string }> {
  const id = ++downloads;
  const from = guest.events.length;
  requestAt = 0;
  await guest.write(`timeout 900 wget -q -O /dev/null ${url}; echo "DL${id}-$((1000+$?))"\n`);
  const deadline = Date.now() + 1_000_000;
  const marker = new RegExp(`DL${id}-1(\\d{3})`);
  for (;;) {
    const match = marker.exec(serialText(guest, from));
    if (match) return { status: Number(match[1]), seconds: (performance.now() - requestAt) / 1000, raw: serialText(guest, from) };
    if (Date.now() > deadline) throw new Error(`no exit status from the guest's wget within 1000 s:\n${serialText(guest, from).slice(-1000)}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

interface Result {
  name: string;
  mibPerSecond: number;
  roles: { role: string; raw: number; net: number }[];
}
const results: Result[] = [];
try {
  for (const setup of setups) {
    console.log(`\n${setup.name}: booting…`);
    const running = await setup.start(iso);
    try {
      // What the idle guest costs per second, to set the download's own cost apart.
      await new Promise((resolve) => setTimeout(resolve, 2000));
      const idleStart = running.processes.map((entry) => cpuSeconds(entry.pid));
      await new Promise((resolve) => setTimeout(resolve, idleSeconds * 1000));
      const idleRate = running.processes.map((entry, index) => (cpuSeconds(entry.pid) - (idleStart[index] as number)) / idleSeconds);
      // One download first, not counted: the first one runs far slower while v86's JIT and
      // QEMU's TCG translate the guest's network paths for the first time.
      const warm = await download(running.guest, `http://10.0.2.2:${port}/warm-up`);
      if (warm.status !== 0) throw new Error(`${setup.name}: the warm-up download failed (exit ${warm.status}):\n${warm.raw.slice(-1000)}`);
      console.log(`  warm-up: ${(sizeMib / warm.seconds).toFixed(2)} MiB/s (not counted)`);
      const speeds: number[] = [];
      const raw: number[][] = running.processes.map(() => []);
      const net: number[][] = running.processes.map(() => []);
      for (let run = 0; run < runs; run++) {
        const before = running.processes.map((entry) => cpuSeconds(entry.pid));
        const servedBefore = served.length;
        const result = await download(running.guest, `http://10.0.2.2:${port}/blob${run}`);
        const seconds = result.seconds;
        if (result.status !== 0 || served.length !== servedBefore + 1) throw new Error(`${setup.name}: the download failed (exit ${result.status}):\n${result.raw.slice(-1000)}`);
        speeds.push(sizeMib / seconds);
        running.processes.forEach((entry, index) => {
          const used = cpuSeconds(entry.pid) - (before[index] as number);
          raw[index]?.push(used / sizeMib);
          net[index]?.push((used - (idleRate[index] as number) * seconds) / sizeMib);
        });
        console.log(`  run ${run + 1}: ${(sizeMib / seconds).toFixed(2)} MiB/s (${seconds.toFixed(1)} s; host server wrote it in ${((served.at(-1)?.ms ?? NaN) / 1000).toFixed(1)} s)`);
      }
      const roles = running.processes.map((entry, index) => ({ role: entry.role, raw: median(raw[index] as number[]), net: median(net[index] as number[]) }));
      results.push({ name: setup.name, mibPerSecond: median(speeds), roles });
      console.log(`  median ${median(speeds).toFixed(2)} MiB/s; CPU seconds per MiB (raw / net of idle):`);
      roles.forEach((role, index) => console.log(`    ${role.role.padEnd(28)} ${role.raw.toFixed(3)} / ${role.net.toFixed(3)}   (idle ${((idleRate[index] as number) * 100).toFixed(0)}% of a core)`));
      console.log(`    ${'total'.padEnd(28)} ${roles.reduce((sum, role) => sum + role.raw, 0).toFixed(3)} / ${roles.reduce((sum, role) => sum + role.net, 0).toFixed(3)}`);
    } finally {
      await running.stop();
    }
  }
} finally {
  server.close();
}

const bare = results.find((result) => result.name.startsWith('bare'));
const total = (result: Result, kind: 'raw' | 'net'): number => result.roles.reduce((sum, role) => sum + role[kind], 0);
console.log(`\n${sizeMib} MiB HTTP download from host loopback into the guest, median of ${runs}:`);
for (const result of results) {
  const ratio = bare ? `  ×${(result.mibPerSecond / bare.mibPerSecond).toFixed(2)} of bare QEMU's speed, ×${(total(result, 'net') / total(bare, 'net')).toFixed(2)} its CPU per MiB` : '';
  console.log(`  ${result.name.padEnd(36)} ${result.mibPerSecond.toFixed(2).padStart(7)} MiB/s  ${total(result, 'net').toFixed(3)} CPU s/MiB${ratio}`);
}
if (bare) {
  const slirp = total(bare, 'net');
  for (const result of results.filter((entry) => entry.name.startsWith('v86'))) {
    const helper = result.roles.find((role) => role.role.startsWith('NAT helper'));
    const engine = result.roles.find((role) => role.role.startsWith('engine'));
    if (!helper || !engine) continue;
    console.log(`  ${result.name}: NAT helper ${helper.net.toFixed(3)} + engine ${engine.net.toFixed(3)} CPU s/MiB beside bare QEMU's slirp (guest included) ${slirp.toFixed(3)}: helper/bare ×${(helper.net / slirp).toFixed(2)}, engine+helper/bare ×${((helper.net + engine.net) / slirp).toFixed(2)}`);
  }
}
