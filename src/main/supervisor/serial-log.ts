/**
 * A VM's serial log (`machines/<id>/logs/serial.log`): what the guest wrote to COM1, a timestamp
 * per line, written through the same queued, rotating, 0600 writer as the engine log, so a boot
 * that scrolls past (a kernel panic, an installer's last words) can be read after the fact.
 */
import { StringDecoder } from 'node:string_decoder';
import type { EngineLog } from './engine-log.js';

/** Turns SERIAL_OUTPUT event data into log text, for one engine run. */
export class SerialLogWriter {
  /** Keeps a UTF-8 character split across two events whole. */
  private readonly decoder = new StringDecoder('utf8');

  constructor(
    private readonly log: EngineLog,
    started: string,
  ) {
    log.note(started);
  }

  /** Appends the bytes of one SERIAL_OUTPUT event (`{data: base64}`); anything else is ignored. */
  output(data: unknown): void {
    const base64 = (data as { data?: unknown } | undefined)?.data;
    if (typeof base64 !== 'string') return;
    // Terminal line ends (CR LF) become plain ones: CRs go (also one split from its LF across events).
    const text = this.decoder.write(Buffer.from(base64, 'base64')).replace(/\r/g, '');
    this.log.append(text);
  }

  /** Writes the closing line and closes the file. Never rejects. */
  close(line: string): Promise<void> {
    this.log.append(this.decoder.end().replace(/\r/g, ''));
    this.log.note(line);
    return this.log.close();
  }
}
