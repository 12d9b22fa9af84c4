/**
 * A hand-made 9P2000.L client for tests: builds requests byte by byte and sends them through a
 * `handle9p`-shaped function (what the engine hands v86), the way a guest kernel — or a hostile
 * guest — would. Replies are parsed only as far as the tests need.
 *
 *   const client = new NinePClient(server.handle9p);
 *   await client.version(); await client.attach(0);
 *   const reply = await client.walk(0, 1, ['a.txt']);   // {type, ...}; type 7 = Rlerror with errno
 */

/** What a reply carries that tests look at. */
export interface Reply {
  type: number;
  tag: number;
  /** Rlerror's errno. */
  errno?: number;
  /** Rwalk's number of qids. */
  nwqid?: number;
  /** Rread's data. */
  data?: Buffer;
  raw: Buffer;
}

export const Rlerror = 7;

type Handle9p = (request: Uint8Array, reply: (message: Uint8Array) => void) => void;

const u8 = (n: number): Buffer => Buffer.from([n]);
const u16 = (n: number): Buffer => {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(n);
  return b;
};
const u32 = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n >>> 0);
  return b;
};
const u64 = (n: number): Buffer => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt(n));
  return b;
};
const str = (text: string): Buffer => {
  const bytes = Buffer.from(text, 'utf8');
  return Buffer.concat([u16(bytes.length), bytes]);
};

/** The 9P client. Each call resolves with the reply to its own tag (or rejects after timeoutMs). */
export class NinePClient {
  private nextTag = 1;

  constructor(
    private readonly handle: Handle9p,
    private readonly timeoutMs = 20_000,
  ) {}

  /** Sends type + body with a fresh tag (NOTAG for Tversion) and waits for the reply. */
  request(type: number, body: Buffer, tag?: number): Promise<Reply> {
    const useTag = tag ?? (type === 100 ? 0xffff : this.nextTag++ & 0x7fff);
    const message = Buffer.concat([u32(7 + body.length), u8(type), u16(useTag), body]);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no reply to 9P type ${type} tag ${useTag} within ${this.timeoutMs} ms`)), this.timeoutMs);
      this.handle(new Uint8Array(message), (replyBytes) => {
        clearTimeout(timer);
        resolve(parse(Buffer.from(replyBytes)));
      });
    });
  }

  version(msize = 65_536): Promise<Reply> {
    return this.request(100, Buffer.concat([u32(msize), str('9P2000.L')]));
  }

  /** Tattach as root with aname "" (the engine points it at the share). */
  attach(fid: number, aname = '', uid = 0): Promise<Reply> {
    return this.request(104, Buffer.concat([u32(fid), u32(0xffffffff), str(''), str(aname), u32(uid)]));
  }

  walk(fid: number, newFid: number, names: readonly string[]): Promise<Reply> {
    return this.request(110, Buffer.concat([u32(fid), u32(newFid), u16(names.length), ...names.map(str)]));
  }

  lopen(fid: number, flags = 0): Promise<Reply> {
    return this.request(12, Buffer.concat([u32(fid), u32(flags)]));
  }

  read(fid: number, offset = 0, count = 8192): Promise<Reply> {
    return this.request(116, Buffer.concat([u32(fid), u64(offset), u32(count)]));
  }

  /** Tlcreate: fid (a directory) becomes the new open file. */
  lcreate(fid: number, name: string, flags = 0o1 | 0o100, mode = 0o644): Promise<Reply> {
    return this.request(14, Buffer.concat([u32(fid), str(name), u32(flags), u32(mode), u32(0)]));
  }

  write(fid: number, data: Buffer, offset = 0): Promise<Reply> {
    return this.request(118, Buffer.concat([u32(fid), u64(offset), u32(data.length), data]));
  }

  symlink(dirFid: number, name: string, target: string): Promise<Reply> {
    return this.request(16, Buffer.concat([u32(dirFid), str(name), str(target), u32(0)]));
  }

  /** Tlink: a hard link named `name` in dirFid to the file fid stands for. */
  link(dirFid: number, fid: number, name: string): Promise<Reply> {
    return this.request(70, Buffer.concat([u32(dirFid), u32(fid), str(name)]));
  }

  readlink(fid: number): Promise<Reply> {
    return this.request(22, u32(fid));
  }

  clunk(fid: number): Promise<Reply> {
    return this.request(120, u32(fid));
  }

  /** Walks fid to `names`, opens and reads it whole (up to 64 KiB); the text, or undefined when any step failed. */
  async readPath(rootFid: number, fid: number, names: readonly string[]): Promise<string | undefined> {
    const walked = await this.walk(rootFid, fid, names);
    // A partial walk creates no fid.
    if (walked.type === Rlerror || walked.nwqid !== names.length) return undefined;
    try {
      const opened = await this.lopen(fid);
      if (opened.type === Rlerror) return undefined;
      const read = await this.read(fid, 0, 65_000);
      return read.type === Rlerror ? undefined : read.data?.toString('utf8');
    } finally {
      await this.clunk(fid);
    }
  }
}

function parse(raw: Buffer): Reply {
  const type = raw.readUInt8(4);
  const tag = raw.readUInt16LE(5);
  const reply: Reply = { type, tag, raw };
  if (type === Rlerror) reply.errno = raw.readUInt32LE(7);
  if (type === 111) reply.nwqid = raw.readUInt16LE(7);
  if (type === 117) {
    const count = raw.readUInt32LE(7);
    reply.data = raw.subarray(11, 11 + count);
  }
  return reply;
}
