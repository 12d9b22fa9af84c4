// The Shared folders page's logic: rows with tags and the engine's view, the add form's checks,
// the hints ordered by guest family, and the v86 note.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { addShareProblem, draftShare, engineShareNote, guestFamily, mountHints, shareErrorPlace, shareRows, sharesSaveProblem } from './shared-folders-model.js';

const work = { hostPath: '/home/me/work', name: 'work', readOnly: false };
const docs = { hostPath: '/srv/docs', name: 'docs', readOnly: true };

test('rows carry the mount tag (host9p first) and, on a running machine, what the engine serves', () => {
  assert.deepEqual(
    shareRows([work, docs], undefined).map((row) => [row.name, row.tag, row.state]),
    [
      ['work', 'host9p', undefined],
      ['docs', 'docs', undefined],
    ],
  );
  const status = {
    running: true,
    shares: [
      { ...work, tag: 'host9p', status: 'active' as const, mountCommand: 'mount … host9p /mnt' },
      { ...docs, tag: 'docs', status: 'failed' as const, error: 'v86 serves only the first', mountCommand: 'm' },
    ],
  };
  const moved = { ...work, hostPath: '/elsewhere' };
  assert.deepEqual(
    shareRows([work, docs, moved].slice(0, 2), status).map((row) => [row.name, row.state, row.error]),
    [
      ['work', 'active', undefined],
      ['docs', 'failed', 'v86 serves only the first'],
    ],
  );
  // A share changed in the draft is not what the engine runs with.
  assert.equal(shareRows([moved], status)[0]?.state, 'next start');
  assert.equal(shareRows([{ ...docs, readOnly: false }], status)[0]?.state, 'next start');
});

test('the add form: a path is needed, the name comes from the folder, duplicates and bad names are refused', () => {
  assert.match(addShareProblem([], { hostPath: ' ', name: '', readOnly: false }) ?? '', /full path of a folder/);
  assert.match(addShareProblem([], { hostPath: 'relative', name: '', readOnly: false }) ?? '', /not absolute/);
  assert.match(addShareProblem([work], { hostPath: '/other/work', name: '', readOnly: false }) ?? '', /Two shared folders are called "work"/);
  assert.match(addShareProblem([work], { hostPath: '/x', name: 'a b', readOnly: false }) ?? '', /not 1 to 31 letters/);
  assert.match(addShareProblem([work], { hostPath: '/x', name: 'host9p', readOnly: false }) ?? '', /Only the first shared folder may be called "host9p"/);
  assert.equal(addShareProblem([work], { hostPath: '/srv/My Music/', name: '', readOnly: true }), undefined);
  assert.deepEqual(draftShare({ hostPath: ' /srv/My Music/ ', name: '', readOnly: true }), { hostPath: '/srv/My Music/', name: 'My_Music', readOnly: true });
});

test('hints: the guest family first, Linux with the host9p command, Windows pointed at Send files', () => {
  assert.equal(guestFamily('http://microsoft.com/win/10'), 'windows');
  assert.equal(guestFamily('http://debian.org/debian/12'), 'linux');
  assert.equal(guestFamily('other'), 'other');
  const windows = mountHints('http://microsoft.com/win/10');
  assert.deepEqual(windows.map((hint) => hint.family), ['windows', 'linux', 'other']);
  assert.match(windows[0]?.text ?? '', /9P or virtiofs driver.*Send files/);
  const linux = mountHints('http://debian.org/debian/12');
  assert.equal(linux[0]?.command, 'mount -t 9p -o trans=virtio,version=9p2000.L host9p /mnt');
});

test('the v86 note appears with more than one share on v86 (or as the engine says)', () => {
  assert.equal(engineShareNote('v86', [work]), undefined);
  assert.equal(engineShareNote('qemu', [work, docs]), undefined);
  assert.match(engineShareNote('v86', [work, docs]) ?? '', /v86/);
  assert.equal(engineShareNote('qemu', [work], { running: true, shares: [], note: 'engine says' }), 'engine says');
});

test('a refused save: the shares sentence is picked out and shown in the row of the share it names', () => {
  const missing = { hostPath: '/tmp/gone', name: 'gone', readOnly: false };
  const sentence = 'The shared folder "gone" (/tmp/gone) does not exist; create the folder or choose another one.';
  assert.equal(sharesSaveProblem(`shares: ${sentence}`), sentence);
  assert.equal(sharesSaveProblem(sentence), sentence);
  assert.equal(sharesSaveProblem('name: A machine called "x" exists.'), undefined);
  assert.equal(sharesSaveProblem(undefined), undefined);
  assert.deepEqual(shareErrorPlace(sentence, [work, missing]), { row: 'gone' });
  // Removed or pointed elsewhere in the draft: the old sentence no longer applies.
  assert.equal(shareErrorPlace(sentence, [work]), 'hidden');
  assert.equal(shareErrorPlace(sentence, [work, { ...missing, hostPath: '/tmp/other' }]), 'hidden');
  // Parentheses in the path do not end it early.
  assert.deepEqual(shareErrorPlace('The shared folder "a" (/srv/a (1)) is not a folder; share the folder that contains it instead.', [{ hostPath: '/srv/a (1)', name: 'a', readOnly: false }]), { row: 'a' });
  assert.equal(shareErrorPlace('Two shared folders are called "work"; each share of a machine needs its own name.', [work]), 'page');
});
