import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encodeDisplayMessage } from '../../shared/protocol/display-codec.js';
import type { DisplayMessage } from '../../shared/protocol/display.js';
import { DisplayReceiver } from './display-receiver.js';

/** Animation frames run by hand. */
function frames(): { schedule: (callback: () => void) => void; run(): void } {
  let queued: (() => void)[] = [];
  return {
    schedule: (callback) => void queued.push(callback),
    run() {
      const now = queued;
      queued = [];
      for (const callback of now) callback();
    },
  };
}

const row = (n: number): Uint8Array => encodeDisplayMessage({ type: 'text', row: 0, rowCount: 1, cols: 1, cells: Uint32Array.from([n, 7, 0]) });

test('acknowledges once per animation frame what the view was handed; early messages only once it subscribes', () => {
  const acks: number[] = [];
  const frame = frames();
  const receiver = new DisplayReceiver((received) => acks.push(received), frame.schedule);
  receiver.opened();
  assert.deepEqual(acks, [0], 'opening announces acknowledgements');
  receiver.receive(encodeDisplayMessage({ type: 'mode', mode: 'text', cols: 1, rows: 1, width: 8, height: 16 }));
  receiver.receive(row(65));
  frame.run();
  assert.deepEqual(acks, [0], 'nothing handed to a view yet: not acknowledged, so main stops sending after a bounded amount');
  const seen: DisplayMessage[] = [];
  receiver.subscribe((message) => seen.push(message));
  assert.deepEqual(seen.map((m) => m.type), ['mode', 'text'], 'early messages first');
  receiver.receive(row(66));
  receiver.receive(new Uint8Array([250, 1, 2]));
  receiver.receive({ error: { class: 'InvalidArgument', desc: 'refused input' } });
  receiver.receive(row(67));
  assert.equal(receiver.malformed, 1);
  assert.deepEqual(acks, [0], 'no acknowledgement before the frame');
  frame.run();
  assert.deepEqual(acks, [0, 5], 'one acknowledgement per frame, counting every binary message (malformed too), never the text answers');
  frame.run();
  assert.deepEqual(acks, [0, 5], 'nothing new, nothing sent');
  // A malformed message last (a refused compressed envelope) is acknowledged too: main may be
  // holding everything back until it is.
  receiver.receive(new Uint8Array(0));
  frame.run();
  assert.deepEqual(acks, [0, 5, 6], 'a malformed last message is acknowledged');
  receiver.close();
  receiver.receive(row(68));
  frame.run();
  assert.equal(seen.length, 4);
  assert.deepEqual(acks, [0, 5, 6]);
});
