/**
 * The display: QEMU's VNC server (read with the RFB client in rfb.ts) forwarded to the display
 * channel as mode, rectangles, cursor sprite and pointer mode; replay for a new viewer;
 * screendump and query-screen-text.
 */
import type { DisplayMessage } from '../../shared/protocol/display.js';
import { qmpFailure, type QemuMachine, type Session } from './machine.js';
import { RfbClient, type RfbCursor } from './rfb.js';
import { readTextScreen } from './text-screen.js';

/** The display of one QEMU machine. */
export class QemuDisplay {
  private cursor: RfbCursor | undefined;
  private pointerAbsolute = false;
  private dirty: { x: number; y: number; width: number; height: number }[] = [];

  constructor(private readonly machine: QemuMachine) {
    machine.addHandlers({
      screendump: async (args) => {
        await this.machine.call('screendump', { filename: args.filename, format: args.format ?? 'png' });
        return {};
      },
      'query-screen-text': async () => {
        const rfb = this.machine.session?.rfb;
        const width = rfb?.width ?? 0;
        const height = rfb?.height ?? 0;
        if (width === 0 || height === 0) return { mode: 'off', cols: 0, rows: 0, width: 0, height: 0, lines: [], cursor: { row: 0, col: 0, visible: false } };
        let screen;
        try {
          screen = await readTextScreen(this.machine.qmp(), width);
        } catch (error) {
          throw qmpFailure(error);
        }
        if (screen === undefined) return { mode: 'graphics', cols: 0, rows: 0, width, height, lines: [], cursor: { row: 0, col: 0, visible: false } };
        return { mode: 'text', width, height, ...screen };
      },
    });
  }

  /** Connects to the VNC server of a freshly started QEMU and forwards what it shows. */
  connect(session: Session): Promise<RfbClient> {
    const host = this.machine.host;
    return RfbClient.open(this.machine.sockets.vnc, {
      resize: (width, height) => {
        if (this.machine.session !== session) return;
        this.dirty = [];
        host.display({ type: 'mode', mode: 'graphics', width, height });
      },
      rect: (x, y, width, height) => this.dirty.push({ x, y, width, height }),
      frame: () => this.flushFrame(session),
      holdUpdates: () => this.machine.host.displayBacklogged?.() === true,
      cursor: (cursor) => {
        this.cursor = cursor;
        host.display(this.cursorMessage());
      },
      pointerType: (absolute) => {
        this.pointerAbsolute = absolute;
        host.display({ type: 'pointer-mode', absolute });
      },
      clipboard: (text) => this.machine.emit('CLIPBOARD_CHANGED', { text }),
    });
  }

  /** Sends the whole current screen, cursor and pointer mode to a newly attached viewer. */
  replay(send: (message: DisplayMessage) => void): void {
    const rfb = this.machine.session?.rfb;
    if (rfb === undefined || rfb.width === 0) {
      send({ type: 'mode', mode: 'off' });
      return;
    }
    send({ type: 'mode', mode: 'graphics', width: rfb.width, height: rfb.height });
    send({ type: 'rect', x: 0, y: 0, width: rfb.width, height: rfb.height, pixels: this.rectPixels(rfb, 0, 0, rfb.width, rfb.height) });
    send(this.cursorMessage());
    send({ type: 'pointer-mode', absolute: this.pointerAbsolute });
  }

  private flushFrame(session: Session): void {
    const rfb = session.rfb;
    if (this.machine.session !== session || rfb === undefined) return;
    const rects = this.dirty;
    this.dirty = [];
    for (const rect of rects) {
      if (rect.x + rect.width > rfb.width || rect.y + rect.height > rfb.height) continue;
      this.machine.host.display({ type: 'rect', ...rect, pixels: this.rectPixels(rfb, rect.x, rect.y, rect.width, rect.height) });
    }
  }

  /**
   * A rectangle's pixels for the host: when the host copies them before `display` returns
   * (BackendHost.displayCopiesPixels), a rectangle of whole rows (a full-screen repaint, the
   * heaviest case) is lent as a view of the RFB framebuffer, where its rows lie contiguous; the
   * host's copy is then the only one. Anything else gets its own copy.
   */
  private rectPixels(rfb: RfbClient, x: number, y: number, width: number, height: number): Uint8Array {
    if (this.machine.host.displayCopiesPixels === true && x === 0 && width === rfb.width) return rfb.framebuffer.subarray(y * width * 4, (y + height) * width * 4);
    return rfb.copyRect(x, y, width, height);
  }

  private cursorMessage(): DisplayMessage {
    const cursor = this.cursor;
    if (cursor === undefined || cursor.width === 0 || cursor.height === 0) {
      return { type: 'cursor-sprite', visible: false, width: 0, height: 0, hotX: 0, hotY: 0, pixels: new Uint8Array(0) };
    }
    return { type: 'cursor-sprite', visible: true, ...cursor };
  }
}
