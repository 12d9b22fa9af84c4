/**
 * `hangar start NAME [--headless]`: starts a machine in the instance holding the library, or runs
 * it headless in this terminal (holding the library and serving the control socket) until the
 * guest powers off.
 */
import { existsSync } from 'node:fs';
import type { MachineViewValue } from '../../../shared/protocol/api/index.js';
import { HangarCore } from '../../core/hangar-core.js';
import { parseArguments } from '../arguments.js';
import type { CliCommand, CliIo } from '../command.js';
import { CallFailed, call, exitCodes, oneName } from '../command.js';
import type { CoreConnection } from '../connection.js';
import { connectRemote, libraryFolder, localConnection } from '../connection.js';

async function start(argv: string[], io: CliIo): Promise<number> {
  const parsed = parseArguments(argv, [], ['headless']);
  const name = oneName(parsed.positionals, 'start');
  const remote = await connectRemote();
  if (remote) {
    try {
      if (parsed.flags.has('headless')) {
        throw new CallFailed('Conflict', 'Another Hangar instance holds the library, so this terminal cannot run the machine itself. Run `hangar start NAME` without --headless to start it in that instance.');
      }
      const machine = await startAndSettle(remote, name);
      io.out(`Started "${machine.name}" in the running Hangar instance.`);
      if (machine.qmpSocket) io.out(`QMP socket: ${machine.qmpSocket}`);
      return exitCodes.ok;
    } finally {
      await remote.close();
    }
  }
  if (!parsed.flags.has('headless')) io.out('No Hangar instance holds the library: running the machine headless in this terminal (Ctrl+C powers it off).');
  return runHeadless(name, io);
}

/** How long `start` waits for a started machine to leave 'starting'. */
const startSettleMs = 120_000;

/**
 * Starts a machine and waits until it runs (or is paused, or powered off) or has failed; a
 * failure throws CallFailed with the engine's reason, so `start` never says "Started" for a
 * machine that is already gone.
 */
async function startAndSettle(connection: CoreConnection, name: string): Promise<MachineViewValue> {
  let machineId: string | undefined;
  let latest: { state: string; reason?: string } | undefined;
  let changed: () => void = () => undefined;
  // Subscribed before the call: a crash right after the start is not missed.
  const unsubscribe = connection.onEvent((event) => {
    if (event.event !== 'MACHINE_STATE' || machineId === undefined || event.data.id !== machineId) return;
    const data = event.data;
    latest = { state: data.state, ...(data.reason !== undefined ? { reason: data.reason } : {}) };
    changed();
  });
  try {
    machineId = (await call(connection, 'machines.get', { id: name })).id;
    const started = await call(connection, 'vm.start', { id: machineId });
    const deadline = Date.now() + startSettleMs;
    for (;;) {
      const current = await call(connection, 'machines.get', { id: machineId });
      const failed = [latest, current].find((state) => state?.state === 'crashed' || state?.state === 'stopped');
      if (failed !== undefined) throw new CallFailed('EngineFailed', `"${started.name}" failed right after it started: ${failed.reason ?? `it is ${failed.state}`}`);
      if (current.state !== 'starting') return { ...current, ...(started.qmpSocket ? { qmpSocket: started.qmpSocket } : {}) };
      if (Date.now() > deadline) throw new CallFailed('Timeout', `"${started.name}" did not finish starting within ${startSettleMs / 1000} s; check it with \`hangar show ${name}\`.`);
      await new Promise<void>((resolve) => {
        // Woken early by an event, the poll's timer is cleared: it must not hold the process.
        const poll = setTimeout(resolve, 1000);
        changed = () => {
          clearTimeout(poll);
          resolve();
        };
      });
    }
  } finally {
    unsubscribe();
  }
}

/** Holds the library, runs one machine and serves the control socket until the guest powers off or a signal. */
async function runHeadless(name: string, io: CliIo): Promise<number> {
  const core = await HangarCore.open({ folder: libraryFolder() });
  const connection = localConnection(core, false);
  try {
    let finished: (outcome: { code: number; message: string }) => void = () => undefined;
    const outcome = new Promise<{ code: number; message: string }>((resolve) => (finished = resolve));
    let machineId: string | undefined;
    const unsubscribe = connection.onEvent((event) => {
      if (event.event !== 'MACHINE_STATE') return;
      const data = event.data;
      if (data.id !== machineId) return;
      if (data.state === 'shutdown') finished({ code: exitCodes.ok, message: 'The guest powered off.' });
      else if (data.state === 'stopped') finished({ code: exitCodes.ok, message: 'The machine was powered off.' });
      else if (data.state === 'crashed') finished({ code: exitCodes.failed, message: `The machine crashed: ${data.reason ?? 'no reason given'}` });
    });
    const onSignal = (signal: NodeJS.Signals): void => finished({ code: exitCodes.ok, message: `Stopping (${signal}): powering the machine off.` });
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    try {
      const target = await call(connection, 'machines.get', { id: name });
      machineId = target.id;
      const machine = await call(connection, 'vm.start', { id: target.id });
      io.out(`Started "${machine.name}" (${machine.engine}, ${machine.memoryMib} MiB).`);
      const qmpSocket = machine.qmpSocket;
      if (qmpSocket) {
        // The engine opens its QMP socket once its backend is up.
        const deadline = Date.now() + 30_000;
        while (!existsSync(qmpSocket) && Date.now() < deadline) await new Promise((done) => setTimeout(done, 50));
        io.out(`QMP socket: ${qmpSocket}`);
      }
      if (core.controlSocket) io.out(`Control socket: ${core.controlSocket}`);
      io.out('Running until the guest powers off (Ctrl+C powers it off).');
      const result = await outcome;
      io.out(result.message);
      return result.code;
    } finally {
      unsubscribe();
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  } finally {
    await core.close();
  }
}

/** `hangar start`. */
export const startCommand: CliCommand = {
  name: 'start',
  usage: `  start NAME [--headless]                start a machine; --headless runs it in this terminal
                                         (prints its QMP socket) until the guest powers off`,
  run: start,
};
