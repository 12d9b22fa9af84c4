/**
 * The reading end for bench/display-v86-flush.ts, standing in for main: connects to a UNIX
 * socket and decodes what arrives as main would, until the socket closes.
 *   socket: the display socket's length-prefixed display messages (display-stream.ts);
 *   channel: length-prefixed node:v8 serializations, as child_process 'advanced' IPC carries them.
 *   node --import tsx bench/display-v86-flush-reader.ts socket|channel PATH
 */
import { connect } from 'node:net';
import { deserialize } from 'node:v8';
import { DisplayStreamReader } from '../src/shared/protocol/display-stream.js';

const [kind, path] = process.argv.slice(2);
if ((kind !== 'socket' && kind !== 'channel') || !path) {
  console.error('usage: display-v86-flush-reader.ts socket|channel PATH');
  process.exit(2);
}
const socket = connect(path);
socket.on('close', () => process.exit(0));
socket.on('error', () => process.exit(0));
if (kind === 'socket') {
  const reader = new DisplayStreamReader();
  socket.on('data', (chunk: Buffer) => reader.push(chunk));
} else {
  let pending: Buffer = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => {
    pending = pending.byteLength === 0 ? chunk : Buffer.concat([pending, chunk]);
    while (pending.byteLength >= 4) {
      const length = pending.readUInt32LE(0);
      if (pending.byteLength < 4 + length) break;
      deserialize(pending.subarray(4, 4 + length));
      pending = pending.subarray(4 + length);
    }
  });
}
