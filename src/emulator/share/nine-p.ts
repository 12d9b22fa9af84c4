/**
 * The few 9P2000.L facts the engine needs to stand between a guest and a 9P server: the message
 * header, the Tattach and Tversion bodies it rewrites, Tflush's old tag, and Rlerror/Rflush replies
 * it makes up itself. Everything else passes through as bytes. Little-endian throughout;
 * strings are a 2-byte length then UTF-8.
 */

/** Message types the engine looks at (9P2000.L numbering). */
export const NinePType = {
  Rlerror: 7,
  Tversion: 100,
  Rversion: 101,
  Tattach: 104,
  Rattach: 105,
  Tflush: 108,
  Rflush: 109,
  Tlcreate: 14,
  Tmknod: 18,
  Tsetattr: 26,
  Tmkdir: 72,
} as const;

/** Tsetattr's `valid` bit that says the mode is to be set. */
const SETATTR_MODE = 0x1;

/** The header every 9P message starts with: size[4] type[1] tag[2]. */
export const HEADER_SIZE = 7;

/** Errno values the engine answers with itself. */
export const Errno = { EIO: 5, EINTR: 4, EPROTO: 71, EBADF: 9 } as const;

/** A message's header fields. */
export interface NinePHeader {
  readonly size: number;
  readonly type: number;
  readonly tag: number;
}

/** Reads the header of `message`; undefined when it is too short to have one. */
export function readHeader(message: Uint8Array): NinePHeader | undefined {
  if (message.length < HEADER_SIZE) return undefined;
  const view = new DataView(message.buffer, message.byteOffset, message.byteLength);
  return { size: view.getUint32(0, true), type: view.getUint8(4), tag: view.getUint16(5, true) };
}

/** Rlerror(ecode) for `tag`. */
export function rlerror(tag: number, errno: number): Uint8Array {
  const message = new Uint8Array(HEADER_SIZE + 4);
  const view = new DataView(message.buffer);
  view.setUint32(0, message.length, true);
  view.setUint8(4, NinePType.Rlerror);
  view.setUint16(5, tag, true);
  view.setUint32(7, errno, true);
  return message;
}

/** The old tag a Tflush names; undefined when `message` is not a well-formed Tflush. */
export function flushedTag(message: Uint8Array): number | undefined {
  const header = readHeader(message);
  if (header?.type !== NinePType.Tflush || message.length < HEADER_SIZE + 2) return undefined;
  return new DataView(message.buffer, message.byteOffset, message.byteLength).getUint16(HEADER_SIZE, true);
}

/** A copy of Tversion `message` whose msize is at most `maxMsize` (other messages are returned as they are). */
export function clampVersion(message: Uint8Array, maxMsize: number): Uint8Array {
  const header = readHeader(message);
  if (header?.type !== NinePType.Tversion || message.length < HEADER_SIZE + 4) return message;
  const copy = new Uint8Array(message);
  const view = new DataView(copy.buffer);
  if (view.getUint32(HEADER_SIZE, true) > maxMsize) view.setUint32(HEADER_SIZE, maxMsize, true);
  return copy;
}

/** Who every attach is made as, and to what (the server's one account and its export). */
export interface AttachAs {
  readonly uname: string;
  readonly nUname: number;
  readonly aname: string;
}

/** A 9P string: 2-byte length then UTF-8. */
function encodeString(text: string): Uint8Array {
  const bytes = new TextEncoder().encode(text);
  const out = new Uint8Array(2 + bytes.length);
  new DataView(out.buffer).setUint16(0, bytes.length, true);
  out.set(bytes, 2);
  return out;
}

/**
 * Tattach `message` (fid[4] afid[4] uname[s] aname[s] n_uname[4]) remade with `as`'s uname,
 * aname and n_uname, keeping its tag, fid and afid; undefined when it is not a well-formed Tattach.
 */
export function rewriteAttach(message: Uint8Array, as: AttachAs): Uint8Array | undefined {
  const header = readHeader(message);
  if (header?.type !== NinePType.Tattach) return undefined;
  const view = new DataView(message.buffer, message.byteOffset, message.byteLength);
  let offset = HEADER_SIZE + 8;
  for (let field = 0; field < 2; field++) {
    if (offset + 2 > message.length) return undefined;
    offset += 2 + view.getUint16(offset, true);
  }
  if (offset + 4 > message.length) return undefined;
  const uname = encodeString(as.uname);
  const aname = encodeString(as.aname);
  const out = new Uint8Array(HEADER_SIZE + 8 + uname.length + aname.length + 4);
  out.set(message.subarray(0, HEADER_SIZE + 8));
  out.set(uname, HEADER_SIZE + 8);
  out.set(aname, HEADER_SIZE + 8 + uname.length);
  const outView = new DataView(out.buffer);
  outView.setUint32(out.length - 4, as.nUname, true);
  outView.setUint32(0, out.length, true);
  return out;
}

/** Where the mode field of a mode-setting request starts; undefined for other or malformed messages. */
function modeOffset(message: Uint8Array, view: DataView, type: number): number | undefined {
  if (type === NinePType.Tsetattr) {
    if (message.length < HEADER_SIZE + 12 || (view.getUint32(HEADER_SIZE + 4, true) & SETATTR_MODE) === 0) return undefined;
    return HEADER_SIZE + 8;
  }
  if (type !== NinePType.Tlcreate && type !== NinePType.Tmkdir && type !== NinePType.Tmknod) return undefined;
  // fid[4] name[s], then (Tlcreate) flags[4], then mode[4].
  if (message.length < HEADER_SIZE + 6) return undefined;
  const offset = HEADER_SIZE + 6 + view.getUint16(HEADER_SIZE + 4, true) + (type === NinePType.Tlcreate ? 4 : 0);
  return offset + 4 <= message.length ? offset : undefined;
}

/**
 * A copy of `message` with the permission bits in `strip` cleared from the mode it sets (Tlcreate,
 * Tmkdir, Tmknod, Tsetattr with a mode); other messages are returned as they are.
 */
export function stripModeBits(message: Uint8Array, strip: number): Uint8Array {
  const header = readHeader(message);
  if (header === undefined) return message;
  const offset = modeOffset(message, new DataView(message.buffer, message.byteOffset, message.byteLength), header.type);
  if (offset === undefined) return message;
  const copy = new Uint8Array(message);
  const view = new DataView(copy.buffer);
  view.setUint32(offset, view.getUint32(offset, true) & ~strip, true);
  return copy;
}

/**
 * Cuts a byte stream into whole 9P messages on their size fields (a server may answer out of
 * order, and a pipe read holds any number of messages or parts of one).
 */
export class MessageReader {
  private pending: Uint8Array = new Uint8Array(0);

  /**
   * @param onMessage receives each whole message.
   * @param onGarbage is called once with a sentence when a size field is impossible (under 7 or over maxSize); nothing is read after it.
   */
  constructor(
    private readonly onMessage: (message: Uint8Array) => void,
    private readonly onGarbage: (reason: string) => void,
    private readonly maxSize = 1 << 20,
  ) {}

  private broken = false;

  /** Adds bytes read from the stream. */
  push(chunk: Uint8Array): void {
    if (this.broken) return;
    const joined = new Uint8Array(this.pending.length + chunk.length);
    joined.set(this.pending);
    joined.set(chunk, this.pending.length);
    let offset = 0;
    while (joined.length - offset >= 4) {
      const size = new DataView(joined.buffer, offset, 4).getUint32(0, true);
      if (size < HEADER_SIZE || size > this.maxSize) {
        this.broken = true;
        this.onGarbage(`the 9P server sent a message of impossible size ${size}`);
        return;
      }
      if (joined.length - offset < size) break;
      this.onMessage(joined.slice(offset, offset + size));
      offset += size;
    }
    this.pending = joined.slice(offset);
  }
}
