/**
 * The serial console COM1: bytes the guest writes go out as SERIAL_OUTPUT events (batched,
 * base64) and to local listeners (a byte stream); serial-write sends bytes to the guest.
 */
import { consoleSerialPort } from '../../shared/protocol/enums.js';
import type { V86Machine } from './machine.js';

/** Longest a byte waits before its batch is sent. */
const BATCH_MS = 10;
/** Largest batch in one event. */
const BATCH_BYTES = 4096;

export class SerialConsole {
  private pending: number[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly listeners = new Set<(bytes: Uint8Array) => void>();

  constructor(private readonly machine: V86Machine) {}

  /** Attaches a consumer of the guest's output; returns the function that detaches it. */
  attach(listener: (bytes: Uint8Array) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Called for each byte the guest writes. */
  output(byte: number): void {
    this.pending.push(byte & 0xff);
    if (this.pending.length >= BATCH_BYTES) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), BATCH_MS);
  }

  /** Sends what is pending now. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.length === 0) return;
    const bytes = Uint8Array.from(this.pending);
    this.pending = [];
    this.machine.host.emit('SERIAL_OUTPUT', { port: consoleSerialPort, data: Buffer.from(bytes).toString('base64') });
    for (const listener of this.listeners) listener(bytes);
  }

  /** Sends bytes to the guest's COM1 receiver. */
  input(bytes: Uint8Array): number {
    const emulator = this.machine.emulator;
    for (const byte of bytes) emulator.bus.send('serial0-input', byte);
    return bytes.length;
  }

  dispose(): void {
    this.flush();
    this.listeners.clear();
  }
}

/** Installs COM1 output events and serial-write. */
export function installSerial(machine: V86Machine): SerialConsole {
  const serial = new SerialConsole(machine);
  machine.onCreated((emulator) => {
    emulator.bus.register('serial0-output-byte', (byte: number) => serial.output(byte), serial);
  });
  machine.onDispose(() => serial.dispose());
  machine.addHandlers({
    'serial-write': (args) => {
      const bytes = args.format === 'base64' ? Buffer.from(args.data, 'base64') : Buffer.from(args.data, 'utf8');
      return { written: serial.input(bytes) };
    },
  });
  return serial;
}
