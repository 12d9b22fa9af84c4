/** Refusals shown as sentences: the library's "field: " prefix goes when the rest is a sentence. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { errorSentence } from './error-sentence.js';

test('a field prefix before a sentence is dropped', () => {
  assert.equal(
    errorSentence('shares: The shared folder "data" (/srv/data) does not exist; create it or choose another folder.'),
    'The shared folder "data" (/srv/data) does not exist; create it or choose another folder.',
  );
  assert.equal(errorSentence('network.forwards: Host port 8080 is forwarded twice.'), 'Host port 8080 is forwarded twice.');
});

test('a fragment keeps its field, and other texts are left alone', () => {
  assert.equal(errorSentence('bootOrder: lists a device twice.'), 'bootOrder: lists a device twice.');
  assert.equal(errorSentence('QEMU: the accelerator failed.'), 'QEMU: the accelerator failed.');
  assert.equal(errorSentence('The machine is not running.'), 'The machine is not running.');
  assert.equal(errorSentence(''), '');
});
