/**
 * The serial console COM1: bytes the guest writes go out as SERIAL_OUTPUT events (batched,
 * base64, common/serial-batch.ts as on QEMU) and to local listeners (a byte stream);
 * serial-write sends bytes to the guest.
 */
import { SerialBatcher, serialOutputEvent } from '../common/serial-batch.js';
import type { V86Machine } from './machine.js';

export class SerialConsole {
  private readonly listeners = new Set<(bytes: Uint8Array) => void>();
  private readonly batcher: SerialBatcher;

  constructor(private readonly machine: V86Machine) {
    this.batcher = new SerialBatcher((bytes) => {
      this.machine.host.emit('SERIAL_OUTPUT', serialOutputEvent(bytes));
      for (const listener of this.listeners) listener(bytes);
    });
  }

  /** Attaches a consumer of the guest's output; returns the function that detaches it. */
  attach(listener: (bytes: Uint8Array) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Called for each byte the guest writes. */
  output(byte: number): void {
    this.batcher.pushByte(byte);
  }

  /** Sends what is pending now. */
  flush(): void {
    this.batcher.flush();
  }

  /** Sends bytes to the guest's COM1 receiver. */
  input(bytes: Uint8Array): number {
    const emulator = this.machine.emulator;
    for (const byte of bytes) emulator.bus.send('serial0-input', byte);
    return bytes.length;
  }

  dispose(): void {
    this.batcher.dispose();
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
