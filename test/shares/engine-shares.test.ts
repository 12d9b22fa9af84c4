/**
 * The engine's --share flag and query-shares without booting a guest: a share that cannot be
 * served (missing folder; on v86 without diod/bubblewrap) is reported failed with the reason in
 * query-shares and the engine log, and the machine still starts; malformed flags are usage
 * errors (exit 2) with the reason.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { grubRescueCdrom, engineArguments } from '../conformance/backends.js';
import { engineEntry, startEngine } from '../support/engine-process.js';
import { until } from '../support/waiting.js';

const root = mkdtempSync(join(tmpdir(), 'hangar-engine-shares-'));
after(() => rmSync(root, { recursive: true, force: true }));

interface ShareState {
  name: string;
  tag: string;
  status: string;
  error?: string;
}

describe('engine --share', { concurrency: false }, () => {
  for (const backend of ['v86', 'qemu'] as const) {
    test(`${backend}: a missing folder is failed with the reason; the machine runs`, async () => {
      const present = join(root, `${backend}-present`);
      mkdirSync(present);
      const missing = join(root, `${backend}-missing`);
      const engine = await startEngine({ engine: backend, cdrom: grubRescueCdrom, args: [...engineArguments[backend], '--share', `${missing}:gone`, '--share', `${present}:here:ro`] });
      try {
        const shares = (await engine.client.execute('query-shares')) as ShareState[];
        assert.equal(shares[0]?.tag, 'host9p');
        assert.equal(shares[0]?.status, 'failed');
        assert.match(shares[0]?.error ?? '', new RegExp(`${missing} does not exist; create it or remove the share`));
        assert.equal(shares[1]?.tag, 'here');
        assert.equal(shares[1]?.status, backend === 'qemu' ? 'active' : 'failed');
        assert.equal(((await engine.client.execute('query-status')) as { status: string }).status, 'running');
        await until(() => engine.stderr().includes('does not exist') || undefined, 'the failure in the engine log', 10_000);
      } finally {
        await engine.stop();
      }
    });
  }

  test('v86 without diod (or bubblewrap): the share is off with what to install, in query-shares and the log', async () => {
    const folder = join(root, 'no-diod');
    mkdirSync(folder);
    const engine = await startEngine({ engine: 'v86', cdrom: grubRescueCdrom, args: ['--share', folder, '--options', JSON.stringify({ diodPath: join(root, 'not-installed', 'diod') })] });
    try {
      const shares = (await engine.client.execute('query-shares')) as ShareState[];
      assert.equal(shares.length, 1);
      assert.equal(shares[0]?.status, 'failed');
      assert.match(shares[0]?.error ?? '', /need diod \(the 9P server\), which is not installed: install them \(Debian: sudo apt install diod bubblewrap\)/);
      await until(() => /share no-diod .* off: Shared folders on v86 need diod/.test(engine.stderr()) || undefined, 'the reason in the engine log', 10_000);
    } finally {
      await engine.stop();
    }
  });

  test('malformed --share flags are usage errors (exit 2) that say why', () => {
    const cases: [string[], RegExp][] = [
      [['--share', 'relative/folder'], /absolute HOSTPATH/],
      [['--share', '/srv/a:bad name'], /not 1 to 31 letters/],
      [['--share', `${root}:same`, '--share', `${root}:same`], /Two shares are named "same"/],
    ];
    for (const [args, reason] of cases) {
      const result = spawnSync(process.execPath, ['--import', 'tsx', engineEntry, '--engine', 'v86', ...args, '--qmp', join(root, 'never.sock')], { encoding: 'utf8', timeout: 60_000 });
      assert.equal(result.status, 2, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, reason);
    }
  });
});
