/**
 * Carries a guest's raw 9P2000.L messages (v86's `filesystem.handle9p`) to a 9P server over a
 * byte stream and its replies back, papering over what Debian's diod does that v86 cannot take
 * (ENGINE-NOTES "9P shared folders"):
 *  - the guest attaches with aname "" which diod refuses, and as its own uids, which the server's
 *    one account cannot be: every Tattach is remade to the export, as that account;
 *  - replies come out of order: they are matched by tag, and v86 is answered per tag;
 *  - diod may answer a Tflush without ever answering the flushed request, while v86 frees a queue
 *    slot only when its tag is answered: the flushed tag gets a made-up Rlerror(EINTR) first;
 *  - a request on a fid whose Tattach is still in flight crashes diod: requests wait while an
 *    attach is pending;
 *  - when the server is gone every open and later request is answered Rlerror(EIO), so the
 *    guest sees I/O errors instead of hanging.
 * It also keeps the modes the guest sets sane for the host user's folder: never setuid/setgid
 * (a host file of that user another host user could run), never group/other writable. diod
 * sets the modes it is asked for exactly (it clears its umask).
 */
import { Errno, NinePType, clampVersion, flushedTag, readHeader, rewriteAttach, rlerror, stripModeBits, type AttachAs } from './nine-p.js';

/** Mode bits a guest never sets on host files: setuid, setgid, group and other write. */
export const STRIPPED_MODE_BITS = 0o6022;

/** diod caps msize at 64 KiB; asking for more only makes the guest size buffers it cannot use. */
export const MAX_MSIZE = 65_536;

/** One request the server has not answered yet. */
interface Pending {
  readonly reply: (message: Uint8Array) => void;
  readonly type: number;
  /** For a Tflush: the tag it flushes. */
  readonly flushes?: number;
}

/** The engine's side of one 9P session. */
export class NinePBridge {
  private readonly pending = new Map<number, Pending>();
  /** Requests held back while a Tattach is in flight. */
  private readonly held: { message: Uint8Array; reply: (message: Uint8Array) => void }[] = [];
  private attachInFlight: number | undefined;
  private failure: string | undefined;
  private counters = { requests: 0, replies: 0, made: 0 };

  /**
   * @param send writes one message to the server.
   * @param attachAs the account and export every attach is remade to.
   * @param log reports oddities (a reply to no request) without failing the session.
   */
  constructor(
    private readonly send: (message: Uint8Array) => void,
    private readonly attachAs: AttachAs,
    private readonly log: (line: string) => void = () => {},
  ) {}

  /** Why the session ended; undefined while the server is there. */
  get ended(): string | undefined {
    return this.failure;
  }

  /** Requests seen, replies forwarded, replies the bridge made up (Rlerror), for tests and logs. */
  get stats(): { requests: number; replies: number; made: number; pending: number } {
    return { ...this.counters, pending: this.pending.size };
  }

  /** v86's `handle9p`: one whole request and the callback that answers it. */
  readonly handle = (request: Uint8Array, reply: (message: Uint8Array) => void): void => {
    this.counters.requests++;
    const header = readHeader(request);
    if (header === undefined) return; // v86 needs the tag to answer: a message without one cannot be answered at all.
    if (this.failure !== undefined) {
      this.answer(reply, rlerror(header.tag, Errno.EIO));
      return;
    }
    if (this.attachInFlight !== undefined) {
      this.held.push({ message: request, reply });
      return;
    }
    this.forward(request, header.type, header.tag, reply);
  };

  /** One whole reply from the server. */
  receive(message: Uint8Array): void {
    const header = readHeader(message);
    if (header === undefined) return;
    const entry = this.pending.get(header.tag);
    if (entry === undefined) {
      this.log(`9P: a reply (type ${header.type}) for tag ${header.tag}, which has no request; dropped`);
      return;
    }
    this.pending.delete(header.tag);
    if (entry.flushes !== undefined && header.type === NinePType.Rflush) {
      const flushed = this.pending.get(entry.flushes);
      if (flushed !== undefined) {
        this.pending.delete(entry.flushes);
        this.answer(flushed.reply, rlerror(entry.flushes, Errno.EINTR));
      }
    }
    this.counters.replies++;
    entry.reply(message);
    if (header.tag === this.attachInFlight) {
      this.attachInFlight = undefined;
      this.release();
    }
  }

  /** The server is gone (or broke the protocol): every open and later request gets EIO. */
  fail(reason: string): void {
    if (this.failure !== undefined) return;
    this.failure = reason;
    this.attachInFlight = undefined;
    const open = [...this.pending.entries()];
    this.pending.clear();
    for (const [tag, entry] of open) this.answer(entry.reply, rlerror(tag, Errno.EIO));
    this.release();
  }

  private forward(request: Uint8Array, type: number, tag: number, reply: (message: Uint8Array) => void): void {
    if (this.pending.has(tag)) {
      // A tag still in use: the server would answer one of them twice or not at all.
      this.answer(reply, rlerror(tag, Errno.EPROTO));
      return;
    }
    let message = stripModeBits(request, STRIPPED_MODE_BITS);
    if (type === NinePType.Tversion) {
      message = clampVersion(request, MAX_MSIZE);
      // Tversion aborts every outstanding request; the server will not answer them.
      for (const [openTag, entry] of [...this.pending.entries()]) {
        this.pending.delete(openTag);
        this.answer(entry.reply, rlerror(openTag, Errno.EINTR));
      }
    } else if (type === NinePType.Tattach) {
      const rewritten = rewriteAttach(request, this.attachAs);
      if (rewritten === undefined) {
        this.answer(reply, rlerror(tag, Errno.EPROTO));
        return;
      }
      message = rewritten;
      this.attachInFlight = tag;
    }
    const flushes = type === NinePType.Tflush ? flushedTag(request) : undefined;
    this.pending.set(tag, { reply, type, ...(flushes !== undefined ? { flushes } : {}) });
    try {
      this.send(message);
    } catch (error) {
      this.fail(`writing to the 9P server failed: ${(error as Error).message}`);
    }
  }

  private release(): void {
    while (this.held.length > 0 && this.attachInFlight === undefined) {
      const next = this.held.shift()!;
      const header = readHeader(next.message)!;
      if (this.failure !== undefined) this.answer(next.reply, rlerror(header.tag, Errno.EIO));
      else this.forward(next.message, header.type, header.tag, next.reply);
    }
  }

  private answer(reply: (message: Uint8Array) => void, message: Uint8Array): void {
    this.counters.made++;
    reply(message);
  }
}
