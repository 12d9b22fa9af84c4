import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { ShareControl } from './share-control.js';
import { parseShare, planShares } from './share-plan.js';

const root = mkdtempSync(join(tmpdir(), 'hangar-share-plan-'));
after(() => rmSync(root, { recursive: true, force: true }));

test('--share HOSTPATH[:NAME][:ro] reads path, name and read-only', () => {
  assert.deepEqual(parseShare('/srv/projects'), { hostPath: '/srv/projects', name: 'projects', readOnly: false });
  assert.deepEqual(parseShare('/srv/projects:work'), { hostPath: '/srv/projects', name: 'work', readOnly: false });
  assert.deepEqual(parseShare('/srv/projects:work:ro'), { hostPath: '/srv/projects', name: 'work', readOnly: true });
  assert.deepEqual(parseShare('/srv/projects:ro'), { hostPath: '/srv/projects', name: 'projects', readOnly: true });
  assert.deepEqual(parseShare('/srv/a:b/c:docs'), { hostPath: '/srv/a:b/c', name: 'docs', readOnly: false }, 'a colon in the path needs the name');
  assert.deepEqual(parseShare('/srv//x/../data/'), { hostPath: '/srv/data', name: 'data', readOnly: false });
  assert.throws(() => parseShare('relative/path'), /absolute HOSTPATH/);
  assert.throws(() => parseShare(':name'), /absolute HOSTPATH/);
  assert.throws(() => parseShare('/srv/x:bad name'), /not 1 to 31 letters/);
  assert.throws(() => parseShare('/srv/x:..'), /not 1 to 31 letters/);
});

test('the first share is host9p, the others their names; duplicates and too many are refused', () => {
  const a = join(root, 'a');
  const b = join(root, 'b');
  mkdirSync(a);
  mkdirSync(b);
  const plan = planShares([`${a}:one`, { hostPath: b, name: 'two', readOnly: true }]);
  assert.deepEqual(plan.map((share) => [share.tag, share.name, share.readOnly, share.problem]), [['host9p', 'one', false, undefined], ['two', 'two', true, undefined]]);
  assert.throws(() => planShares([`${a}:same`, `${b}:SAME`]), /Two shares are named/);
  assert.throws(() => planShares([`${a}:one`, `${b}:host9p`]), /first share's mount tag/);
  assert.throws(() => planShares(Array.from({ length: 17 }, (_, index) => `${a}:s${index}`)), /at most 16/);
  assert.deepEqual(planShares(undefined), []);
});

test('a folder that cannot be served is failed with the reason, not an error; query-shares says so', () => {
  const file = join(root, 'file.txt');
  writeFileSync(file, 'x');
  const lines: string[] = [];
  const control = new ShareControl([`${join(root, 'missing')}:gone`, `${file}:file`], (line) => lines.push(line));
  const list = control.list();
  assert.equal(list[0]?.status, 'failed');
  assert.match(list[0]?.error ?? '', /does not exist; create it or remove the share/);
  assert.match(list[1]?.error ?? '', /is not a folder/);
  assert.equal(control.servable.length, 0);
  assert.equal(lines.length, 2, 'each failure is logged');
  assert.deepEqual(Object.keys(list[0] ?? {}).sort(), ['error', 'host-path', 'name', 'read-only', 'status', 'tag']);
});
