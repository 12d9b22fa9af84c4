/**
 * The console serial port (COM1): QEMU's serial UNIX socket, its output batched into
 * SERIAL_OUTPUT events (common/serial-batch.ts, as on v86), and serial-write.
 */
import { connect, type Socket } from 'node:net';
import { ProtocolError } from '../backend.js';
import { SerialBatcher, serialOutputEvent } from '../common/serial-batch.js';
import type { QemuMachine, Session } from './machine.js';

/** The serial console of one QEMU machine. */
export class QemuSerial {
  private readonly batcher: SerialBatcher;

  constructor(private readonly machine: QemuMachine) {
    this.batcher = new SerialBatcher((bytes) => machine.emit('SERIAL_OUTPUT', serialOutputEvent(bytes)));
    machine.addHandlers({
      'serial-write': (args) => {
        const bytes = Buffer.from(args.data, args.format === 'base64' ? 'base64' : 'utf8');
        const serial = this.machine.session?.serial;
        if (serial === undefined || serial.destroyed) throw new ProtocolError('GenericError', 'The serial port is not connected (QEMU is not running).');
        serial.write(bytes);
        return { written: bytes.length };
      },
    });
  }

  /** Connects to the serial socket of a freshly started QEMU. */
  connect(session: Session): Promise<Socket> {
    return new Promise((resolve, reject) => {
      const socket = connect(this.machine.sockets.serial);
      socket.once('connect', () => {
        socket.removeAllListeners('error');
        socket.on('error', (error) => this.machine.host.log(`qemu: serial socket: ${error.message}`));
        socket.on('data', (chunk: Buffer) => {
          if (this.machine.session !== session) return;
          this.batcher.push(chunk);
        });
        resolve(socket);
      });
      socket.once('error', (error) => reject(new Error(`cannot connect to QEMU's serial socket: ${error.message}`)));
    });
  }

  /** Sends what is buffered now (QEMU exited). */
  flushPending(): void {
    this.batcher.flush();
  }

  /** Sends what is pending and stops the batch timer (dispose). */
  dispose(): void {
    this.batcher.dispose();
  }
}
