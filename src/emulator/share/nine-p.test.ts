import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NinePBridge } from './nine-p-bridge.js';
import { Errno, MessageReader, NinePType, clampVersion, readHeader, rewriteAttach, rlerror, stripModeBits } from './nine-p.js';

/** A message of `type` with `tag` and `body`. */
function message(type: number, tag: number, body: number[] = []): Uint8Array {
  const out = new Uint8Array(7 + body.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, out.length, true);
  view.setUint8(4, type);
  view.setUint16(5, tag, true);
  out.set(body, 7);
  return out;
}

const str = (text: string): number[] => [text.length & 0xff, text.length >> 8, ...new TextEncoder().encode(text)];
const u32 = (n: number): number[] => [n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, (n >>> 24) & 0xff];

test('Tattach is remade with the server account and export, keeping tag and fids', () => {
  const attach = message(NinePType.Tattach, 9, [...u32(5), ...u32(0xffffffff), ...str('root'), ...str(''), ...u32(0)]);
  const out = rewriteAttach(attach, { uname: 'nobody', nUname: 65534, aname: '/share' })!;
  const expected = message(NinePType.Tattach, 9, [...u32(5), ...u32(0xffffffff), ...str('nobody'), ...str('/share'), ...u32(65534)]);
  assert.deepEqual([...out], [...expected]);
  assert.equal(rewriteAttach(message(NinePType.Tattach, 9, [1, 2, 3]), { uname: 'x', nUname: 1, aname: '/' }), undefined, 'a truncated Tattach');
  assert.equal(rewriteAttach(message(NinePType.Tflush, 9, [0, 0]), { uname: 'x', nUname: 1, aname: '/' }), undefined);
});

test('Tversion msize is clamped; Rlerror is well formed', () => {
  const version = clampVersion(message(NinePType.Tversion, 0xffff, [...u32(512_000), ...str('9P2000.L')]), 65_536);
  assert.equal(new DataView(version.buffer).getUint32(7, true), 65_536);
  const error = rlerror(7, Errno.EIO);
  assert.deepEqual(readHeader(error), { size: 11, type: NinePType.Rlerror, tag: 7 });
  assert.equal(new DataView(error.buffer).getUint32(7, true), 5);
});

test('the reader cuts messages on their size fields across chunks and stops on an impossible size', () => {
  const got: number[] = [];
  const broken: string[] = [];
  const reader = new MessageReader((m) => got.push(readHeader(m)!.tag), (reason) => broken.push(reason));
  const a = message(NinePType.Rflush, 1);
  const b = message(NinePType.Rlerror, 2, u32(4));
  const joined = new Uint8Array([...a, ...b]);
  reader.push(joined.subarray(0, 3));
  reader.push(joined.subarray(3, 12));
  reader.push(joined.subarray(12));
  assert.deepEqual(got, [1, 2]);
  reader.push(new Uint8Array([3, 0, 0, 0, 1, 1, 1]));
  assert.equal(broken.length, 1);
});

// The bridge's bookkeeping with a server that behaves like diod at its worst: out-of-order
// replies, a Tflush answered without the flushed request, and death.
test('the bridge answers a flushed tag itself, matches out-of-order replies and answers EIO when the server dies', () => {
  const sent: Uint8Array[] = [];
  const bridge = new NinePBridge((m) => sent.push(m), { uname: 'nobody', nUname: 65534, aname: '/share' });
  const answers = new Map<number, number[]>();
  const reply = (m: Uint8Array): void => {
    const header = readHeader(m)!;
    answers.set(header.tag, [...(answers.get(header.tag) ?? []), header.type]);
  };
  bridge.handle(message(110, 1, [0, 0, 0, 0]), reply);
  bridge.handle(message(110, 2, [0, 0, 0, 0]), reply);
  bridge.receive(message(111, 2, [0, 0]));
  assert.deepEqual(answers.get(2), [111], 'tag 2 answered before tag 1');
  // Tflush of tag 1; the server answers only the flush.
  bridge.handle(message(NinePType.Tflush, 3, [1, 0]), reply);
  bridge.receive(message(NinePType.Rflush, 3));
  assert.deepEqual(answers.get(1), [NinePType.Rlerror], 'the flushed request is answered (EINTR) so its queue slot is freed');
  assert.deepEqual(answers.get(3), [NinePType.Rflush]);
  // Requests wait while an attach is in flight (a fid used before its attach crashes diod).
  bridge.handle(message(NinePType.Tattach, 4, [...u32(9), ...u32(0xffffffff), ...str(''), ...str(''), ...u32(0)]), reply);
  const before = sent.length;
  bridge.handle(message(110, 5, [9, 0, 0, 0]), reply);
  assert.equal(sent.length, before, 'held while the attach is in flight');
  bridge.receive(message(NinePType.Rattach, 4, new Array(13).fill(0)));
  assert.equal(sent.length, before + 1, 'sent once the attach is answered');
  bridge.fail('the 9P server was killed');
  assert.deepEqual(answers.get(5), [NinePType.Rlerror]);
  bridge.handle(message(110, 6, [0, 0, 0, 0]), reply);
  assert.deepEqual(answers.get(6), [NinePType.Rlerror], 'later requests get EIO at once');
  assert.equal(bridge.stats.pending, 0);
});

test('modes a guest sets lose setuid, setgid and group/other write (Tlcreate, Tmkdir, Tmknod, Tsetattr with a mode)', () => {
  const modeAt = (m: Uint8Array, offset: number): number => new DataView(m.buffer).getUint32(offset, true);
  const create = stripModeBits(message(NinePType.Tlcreate, 1, [...u32(3), ...str('f'), ...u32(0o101), ...u32(0o106777), ...u32(0)]), 0o6022);
  assert.equal(modeAt(create, 7 + 4 + 3 + 4), 0o100755);
  const mkdir = stripModeBits(message(NinePType.Tmkdir, 1, [...u32(3), ...str('dd'), ...u32(0o2777), ...u32(0)]), 0o6022);
  assert.equal(modeAt(mkdir, 7 + 4 + 4), 0o755);
  const setattr = stripModeBits(message(NinePType.Tsetattr, 1, [...u32(3), ...u32(1), ...u32(0o4666), ...new Array(44).fill(0)]), 0o6022);
  assert.equal(modeAt(setattr, 7 + 8), 0o644);
  const noMode = message(NinePType.Tsetattr, 1, [...u32(3), ...u32(2), ...u32(0o4666), ...new Array(44).fill(0)]);
  assert.equal(stripModeBits(noMode, 0o6022), noMode, 'a Tsetattr that sets no mode passes unchanged');
});
