/**
 * A hostile guest on v86's 9P channel: a hand-made 9P client sends what the engine's
 * `handle9p` (the function v86 calls with the guest's raw messages) would get from a malicious
 * guest kernel, against the real server the engine runs (diod confined by bubblewrap,
 * share/share-server.ts). diod alone lets such a client read host files (ENGINE-NOTES): a
 * symlink made with Tsymlink and walked through, `..` walks, hard links; and a request on a fid
 * whose attach is still in flight crashes it. Here nothing outside the share is read, nothing is
 * linked into it, no setuid or group/other-writable file is made, the server keeps serving, and
 * closing it leaves no process.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { findSandboxTools } from '../../src/emulator/share/diod-sandbox.js';
import { ShareServer } from '../../src/emulator/share/share-server.js';
import { assertAllGone, processTree } from '../support/processes.js';
import { NinePClient, Rlerror } from './nine-p-client.js';

let root = '';
let share = '';
let runtime = '';
let server: ShareServer | undefined;
let client: NinePClient;
const secret = `hangar-hostile-secret-${randomBytes(6).toString('hex')}`;
const hostPasswd = readFileSync('/etc/passwd', 'utf8');
const log: string[] = [];

/** True when `text` holds anything the share must not give out. */
const leaks = (text: string | undefined): boolean => text !== undefined && (text.includes(secret) || text === hostPasswd || text.includes(hostPasswd.split('\n')[0] as string));

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'hangar-hostile-'));
  share = join(root, 'share');
  runtime = join(root, 'runtime');
  mkdirSync(share);
  mkdirSync(runtime, { mode: 0o700 });
  writeFileSync(join(root, 'secret.txt'), `${secret}\n`);
  writeFileSync(join(share, 'inside.txt'), 'inside\n');
  const tools = findSandboxTools();
  assert.ok(!('problem' in tools), 'problem' in tools ? tools.problem : '');
  server = await ShareServer.start({ tools, hostPath: share, readOnly: false, runtimeDir: runtime, log: (line) => log.push(line) });
  client = new NinePClient(server.handle9p);
  assert.equal((await client.version()).type, 101);
  const attached = await client.attach(0);
  assert.equal(attached.type, 105, `attach: ${JSON.stringify(attached)}`);
});

after(() => {
  server?.close();
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('a hostile 9P client on the v86 share channel', { concurrency: false }, () => {
  test('the share itself is served', async () => {
    assert.equal(await client.readPath(0, 10, ['inside.txt']), 'inside\n');
  });

  test('Tsymlink to /etc/passwd, to an outside file and to ../ then walking through them reads nothing outside', async () => {
    const targets = { abs: '/etc/passwd', secret: join(root, 'secret.txt'), rel: '../secret.txt', relDeep: '../../../../../../..' + join(root, 'secret.txt') };
    let fid = 20;
    for (const [name, target] of Object.entries(targets)) {
      const made = await client.symlink(0, `esc-${name}`, target);
      assert.notEqual(made.type, Rlerror, `Tsymlink ${name}: errno ${made.errno}`);
      const text = await client.readPath(0, fid++, [`esc-${name}`]);
      assert.ok(!leaks(text), `walking through a symlink to ${target} read:\n${text}`);
    }
    // The links exist as links in the share (the guest may make them), pointing where they say.
    assert.equal(lstatSync(join(share, 'esc-abs')).isSymbolicLink(), true);
  });

  test('.. walks from the share root do not reach the host', async () => {
    const walks = [
      ['..', basename(root), 'secret.txt'],
      ['..', '..', 'etc', 'passwd'],
      ['..', 'secret.txt'],
      ['..', '..', '..', ...root.split('/').filter(Boolean), 'secret.txt'],
      ['..', 'etc', 'shadow'],
      ['..', 'proc', '1', 'environ'],
    ];
    let fid = 40;
    for (const names of walks) {
      const text = await client.readPath(0, fid++, names);
      assert.ok(!leaks(text), `walking ${names.join('/')} read:\n${text}`);
    }
  });

  test('requests on fids that were never attached are refused and the server keeps serving', async () => {
    for (const fid of [999, 0xfffffffe]) {
      const walked = await client.walk(fid, 1000, []);
      assert.equal(walked.type, Rlerror, `walk on unattached fid ${fid}`);
      const read = await client.read(fid);
      assert.equal(read.type, Rlerror, `read on unattached fid ${fid}`);
    }
    // The crash case: requests on a fid sent before its attach is answered.
    const racing = [client.attach(70), client.walk(70, 71, ['inside.txt']), client.lopen(70), client.read(70), client.clunk(70)];
    const answers = await Promise.all(racing);
    assert.equal(answers[0]?.type, 105, 'the racing attach is answered');
    assert.equal(server?.ended, undefined, `the 9P server died: ${server?.ended}`);
    assert.equal(await client.readPath(0, 72, ['inside.txt']), 'inside\n', 'the share still reads after the fid misuse');
  });

  test('hard links to files outside the share cannot be made', async () => {
    // The only outside files a fid can reach are the sandbox's own (…/etc/passwd under ..); try them all.
    let fid = 80;
    for (const names of [['..', 'etc', 'passwd'], ['..', '..', 'etc', 'passwd'], ['esc-abs'], ['esc-secret']]) {
      const target = fid++;
      const walked = await client.walk(0, target, names);
      if (walked.type === Rlerror || walked.nwqid !== names.length) continue;
      await client.link(0, target, `hard-${target}`);
      await client.clunk(target);
    }
    for (const entry of readdirSync(share)) {
      const path = join(share, entry);
      const stats = lstatSync(path);
      if (!stats.isFile()) continue;
      const text = readFileSync(path, 'utf8');
      assert.ok(!leaks(text), `${entry} in the share holds outside content:\n${text}`);
    }
    assert.equal(await client.readPath(0, 90, ['inside.txt']), 'inside\n');
  });

  test('files the guest creates belong to the host user and never get setuid, setgid or group/other write', async () => {
    assert.equal((await client.walk(0, 100, [])).type, 111);
    const created = await client.lcreate(100, 'setuid.bin', 0o1 | 0o100, 0o6777);
    assert.notEqual(created.type, Rlerror, `Tlcreate: errno ${created.errno}`);
    await client.clunk(100);
    const stats = lstatSync(join(share, 'setuid.bin'));
    assert.equal(stats.mode & 0o7777, 0o755, `mode ${(stats.mode & 0o7777).toString(8)}`);
    assert.equal(stats.uid, process.getuid?.());
    assert.equal(stats.gid, process.getgid?.());
  });

  test('closing the server leaves no process and later requests get EIO', async () => {
    assert.ok(server?.pid);
    const tree = processTree(server.pid);
    assert.ok(tree.some((info) => /diod/.test(`${info.name} ${info.commandLine}`)), 'diod runs under the sandbox');
    server.close();
    await assertAllGone(tree, 'the sandbox and diod after close', 20_000);
    const late = await client.walk(0, 95, []);
    assert.equal(late.type, Rlerror);
    assert.equal(late.errno, 5);
  });
});
