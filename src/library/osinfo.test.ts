// OS detection on real ISO images built with xorriso, and on Debian's GRUB rescue media.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { detectOs, osCatalog, otherOsId, grubOsId } from './osinfo.js';
import { readIsoIdentity } from './iso9660.js';

const folder = mkdtempSync(join(tmpdir(), 'hangar-osinfo-'));
after(() => rmSync(folder, { recursive: true, force: true }));

/** Builds a small ISO with xorriso; extra are mkisofs options (e.g. -sysid). */
function buildIso(name: string, volumeId: string, extra: string[] = []): string {
  const content = join(folder, `${name}-content`);
  mkdirSync(content, { recursive: true });
  writeFileSync(join(content, 'README.TXT'), randomBytes(3000));
  const iso = join(folder, `${name}.iso`);
  execFileSync('xorriso', ['-as', 'mkisofs', '-V', volumeId, ...extra, '-o', iso, content], { stdio: 'pipe' });
  return iso;
}

describe('OS detection', () => {
  before(() => {
    osCatalog(); // load once; the timing below measures detection alone
  });

  it('reads the primary volume descriptor', () => {
    const iso = buildIso('pvd', 'MY_VOLUME', ['-sysid', 'MYSYS', '-publisher', 'ACME', '-A', 'APP']);
    const identity = readIsoIdentity(iso);
    assert.ok(identity);
    assert.equal(identity.volumeId, 'MY_VOLUME');
    assert.equal(identity.systemId, 'MYSYS');
    assert.equal(identity.publisherId, 'ACME');
    assert.equal(identity.applicationId, 'APP');
    assert.equal(identity.bootable, false);
    assert.ok(identity.volumeSize > 0 && identity.volumeSize % 2048 === 0);
    const notIso = join(folder, 'zeros.bin');
    writeFileSync(notIso, Buffer.alloc(64 * 1024));
    assert.equal(readIsoIdentity(notIso), null);
  });

  it('names a Debian 11 installer ISO exactly, with osinfo resources', () => {
    const detection = detectOs(buildIso('debian11', 'Debian 11.6.0 amd64 n'));
    assert.equal(detection.match, 'exact');
    assert.equal(detection.id, 'http://debian.org/debian/11');
    assert.equal(detection.name, 'Debian 11');
    assert.equal(detection.family, 'linux');
    assert.equal(detection.distro, 'debian');
    assert.equal(detection.iconHint, 'debian');
    assert.equal(detection.arch, 'x86_64');
    assert.equal(detection.memory.recommendedMib, 1024);
    assert.equal(detection.disk.recommendedBytes, 20 * 1024 ** 3);
    assert.equal(detection.iso?.volumeId, 'Debian 11.6.0 amd64 n');
  });

  it('names a Debian 12 installer ISO (newer than the osinfo data) as Debian, with the newest defaults', () => {
    const detection = detectOs(buildIso('debian12', 'Debian 12.5.0 amd64 n'));
    assert.equal(detection.match, 'similar');
    assert.equal(detection.distro, 'debian');
    assert.equal(detection.family, 'linux');
    assert.match(detection.name, /^Debian \d+ or newer$/);
    assert.ok(detection.memory.recommendedMib >= 512);
  });

  it('names the GRUB rescue CD and floppy "GRUB rescue"', () => {
    const cd = detectOs('/usr/lib/grub-rescue/grub-rescue-cdrom.iso');
    assert.equal(cd.id, grubOsId);
    assert.equal(cd.name, 'GRUB rescue');
    assert.equal(cd.family, 'other');
    assert.equal(cd.match, 'builtin');
    assert.equal(cd.iso?.bootable, true);
    const floppy = detectOs('/usr/lib/grub-rescue/grub-rescue-floppy.img');
    assert.equal(floppy.id, grubOsId);
  });

  it('falls back to Other for a random ISO, with sensible defaults', () => {
    const detection = detectOs(buildIso('random', `R${randomBytes(6).toString('hex').toUpperCase()}`));
    assert.equal(detection.match, 'none');
    assert.equal(detection.id, otherOsId);
    assert.equal(detection.name, 'Other');
    assert.equal(detection.family, 'other');
    assert.ok(detection.memory.recommendedMib >= 256);
    assert.ok(detection.disk.recommendedBytes >= 1024 ** 3);
  });

  it('detects quickly once the catalog is loaded', () => {
    const iso = buildIso('speed', 'Debian 11.6.0 i386 n');
    const started = performance.now();
    for (let index = 0; index < 20; index++) assert.equal(detectOs(iso).arch, 'i686');
    const perDetection = (performance.now() - started) / 20;
    assert.ok(perDetection < 100, `detection took ${perDetection.toFixed(1)} ms`);
  });

  it('knows osinfo ids and Hangar ids', () => {
    const catalog = osCatalog();
    assert.ok(catalog.has('http://debian.org/debian/11'));
    assert.ok(catalog.has(otherOsId) && catalog.has(grubOsId));
    assert.ok(!catalog.has('http://example.com/none'));
    assert.ok(catalog.all().length > 500);
  });
});
