/**
 * The console serial port (COM1): QEMU's serial UNIX socket, its output batched into
 * SERIAL_OUTPUT events, and serial-write.
 */
import { connect, type Socket } from 'node:net';
import { consoleSerialPort } from '../../shared/protocol/enums.js';
import { ProtocolError } from '../backend.js';
import type { QemuMachine, Session } from './machine.js';

/** The serial console of one QEMU machine. */
export class QemuSerial {
  private buffer: Buffer[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly machine: QemuMachine) {
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
          this.buffer.push(chunk);
          this.timer ??= setTimeout(() => this.flush(), 20);
        });
        resolve(socket);
      });
      socket.once('error', (error) => reject(new Error(`cannot connect to QEMU's serial socket: ${error.message}`)));
    });
  }

  /** Sends what is buffered now if a flush is pending (QEMU exited). */
  flushPending(): void {
    if (this.timer !== undefined) this.flush();
  }

  /** Cancels a pending flush (dispose). */
  dispose(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
  }

  private flush(): void {
    this.timer = undefined;
    if (this.buffer.length === 0) return;
    const data = Buffer.concat(this.buffer).toString('base64');
    this.buffer = [];
    this.machine.emit('SERIAL_OUTPUT', { port: consoleSerialPort, data });
  }
}
