// OS detection on real ISO images built with xorriso, and on Debian's GRUB rescue media.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { detectOs, osCatalog, otherOsId, grubOsId } from './osinfo.js';
import { readIsoIdentity } from './iso9660.js';
import { archFromText } from './media-arch.js';

const folder = mkdtempSync(join(tmpdir(), 'hangar-osinfo-'));
after(() => rmSync(folder, { recursive: true, force: true }));

/**
 * Builds a small ISO with xorriso; extra are mkisofs options (e.g. -sysid, -R for Rock Ridge
 * names as install media have), files are paths in the image → content.
 */
function buildIso(name: string, volumeId: string, extra: string[] = [], files: Record<string, string | Buffer> = {}): string {
  const content = join(folder, `${name}-content`);
  mkdirSync(content, { recursive: true });
  writeFileSync(join(content, 'README.TXT'), randomBytes(3000));
  for (const [path, data] of Object.entries(files)) {
    mkdirSync(dirname(join(content, path)), { recursive: true });
    writeFileSync(join(content, path), data);
  }
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

  it('names a Debian 12 installer ISO (newer than the osinfo data) "Debian 12", with the closest known entry and its defaults', () => {
    const detection = detectOs(buildIso('debian12', 'Debian 12.8.0 amd64 n'));
    const debian11 = osCatalog().get('http://debian.org/debian/11');
    assert.ok(debian11);
    assert.equal(detection.match, 'similar');
    assert.equal(detection.name, 'Debian 12');
    assert.equal(detection.version, '12');
    assert.deepEqual(detection.closestKnown, { id: 'http://debian.org/debian/11', name: 'Debian 11' });
    // The known entry's id (what a machine stores) and its resources.
    assert.equal(detection.id, 'http://debian.org/debian/11');
    assert.deepEqual(detection.memory, debian11.memory);
    assert.equal(detection.distro, 'debian');
    assert.equal(detection.family, 'linux');
    assert.equal(detection.arch, 'x86_64');
    assert.deepEqual(detection.archSource, { from: 'volume-id', evidence: 'the volume id "Debian 12.8.0 amd64 n"' });
    // An older release missing from the database is named after itself too, closest first.
    const old = detectOs(buildIso('debian9-like', 'Debian 9.13.0 i386 n'));
    if (old.match === 'similar') assert.deepEqual(old.closestKnown, { id: 'http://debian.org/debian/9', name: 'Debian 9' });
    else assert.equal(old.id, 'http://debian.org/debian/9');
    // A release the database knows has no "closest known".
    assert.equal(detectOs(buildIso('debian11-exact', 'Debian 11.7.0 amd64 n')).closestKnown, null);
  });

  it('reads the architecture of an i386 installer from its volume id', () => {
    const detection = detectOs(buildIso('debian11-i386', 'Debian 11.7.0 i386 n'));
    assert.equal(detection.name, 'Debian 11');
    assert.equal(detection.arch, 'i686');
    assert.deepEqual(detection.archSource, { from: 'volume-id', evidence: 'the volume id "Debian 11.7.0 i386 n"' });
  });

  it('reads architecture words in volume ids, and refuses to guess when there are several', () => {
    assert.equal(archFromText('Debian 11.7.0 i386 n'), 'i686');
    assert.equal(archFromText('CentOS-7-x86_64-DVD-2009'), 'x86_64');
    assert.equal(archFromText('Ubuntu 22.04.3 LTS amd64'), 'x86_64');
    assert.equal(archFromText('CCCOMA_X64FRE_EN-US_DV9'), 'x86_64');
    assert.equal(archFromText('CPBA_X86FRE_EN-US_DV5'), 'i686');
    assert.equal(archFromText('Debian 12.0.0 arm64 n'), 'aarch64');
    assert.equal(archFromText('Debian 11.7.0 ppc64el n'), 'ppc64le');
    assert.equal(archFromText('Fedora-WS-Live-39-1-5'), null);
    assert.equal(archFromText('multi-arch amd64 i386'), null);
    assert.equal(archFromText('ARCH_202401'), null);
  });

  it('reads the architecture from .disk/info when the volume id does not say', () => {
    const info = 'Debian GNU/Linux 11.7.0 "Bullseye" - Official i386 NETINST 20230429-11:49\n';
    const detection = detectOs(buildIso('disk-info', 'CUSTOM_INSTALLER', ['-R'], { '.disk/info': info }));
    assert.equal(detection.arch, 'i686');
    assert.equal(detection.archSource?.from, 'disk-info');
    assert.match(detection.archSource?.evidence ?? '', /Official i386 NETINST/);
  });

  it('reads the architecture from boot files: installer folders and UEFI loaders (Rock Ridge or primary names)', () => {
    const amd = detectOs(buildIso('install-amd', 'MY_NETINST', ['-R'], { 'install.amd/vmlinuz': 'k' }));
    assert.deepEqual([amd.arch, amd.archSource?.from, amd.archSource?.evidence], ['x86_64', 'boot-files', 'its installer folder /install.amd']);
    // Without Rock Ridge the primary names are upper case; they still count.
    assert.equal(detectOs(buildIso('install-386-plain', 'MY_NETINST', [], { 'install.386/vmlinuz': 'k' })).arch, 'i686');
    assert.equal(detectOs(buildIso('efi-ia32', 'LIVE', ['-R'], { 'EFI/BOOT/BOOTIA32.EFI': 'e' })).arch, 'i686');
    // A 64-bit medium may carry the 32-bit UEFI loader too: the 64-bit one decides.
    assert.equal(detectOs(buildIso('efi-both', 'LIVE', ['-R'], { 'EFI/BOOT/BOOTIA32.EFI': 'e', 'EFI/BOOT/BOOTX64.EFI': 'e' })).arch, 'x86_64');
    assert.equal(detectOs(buildIso('efi-arm', 'LIVE', ['-R'], { 'EFI/BOOT/BOOTAA64.EFI': 'e' })).arch, 'aarch64');
    assert.equal(detectOs(buildIso('arch-boot', 'ARCH_202401', ['-R'], { 'arch/boot/x86_64/vmlinuz-linux': 'k' })).arch, 'x86_64');
  });

  it('reads the El Torito boot catalog: BIOS and UEFI entries, and a PowerPC-only medium', () => {
    const files = { 'boot/bios.img': Buffer.alloc(2048), 'boot/efi.img': Buffer.alloc(4096) };
    const both = readIsoIdentity(buildIso('eltorito-both', 'BOTH', ['-b', 'boot/bios.img', '-no-emul-boot', '-boot-load-size', '4', '-eltorito-alt-boot', '-e', 'boot/efi.img', '-no-emul-boot'], files));
    assert.deepEqual([both?.bootable, both?.bootPlatforms], [true, ['bios', 'efi']]);
    const efi = readIsoIdentity(buildIso('eltorito-efi', 'EFI', ['-e', 'boot/efi.img', '-no-emul-boot'], files));
    assert.deepEqual(efi?.bootPlatforms, ['efi']);
    assert.deepEqual(readIsoIdentity('/usr/lib/grub-rescue/grub-rescue-cdrom.iso')?.bootPlatforms.includes('bios'), true);
    const ppc = detectOs(buildIso('eltorito-ppc', 'SOMETHING', ['-eltorito-platform', 'PPC', '-b', 'boot/bios.img', '-no-emul-boot'], files));
    assert.deepEqual(ppc.iso?.bootPlatforms, ['ppc']);
    assert.deepEqual([ppc.arch, ppc.archSource?.from], ['ppc', 'el-torito']);
    // Both engines' machines start with a PC BIOS: a disc without a BIOS entry is said not to boot.
    assert.match(detectOs(buildIso('eltorito-efi', 'EFI', ['-e', 'boot/efi.img', '-no-emul-boot'], files)).bootProblem ?? '', /^The disc boots only through UEFI \(its El Torito catalog has no BIOS entry\)/);
    assert.match(ppc.bootProblem ?? '', /only through PowerPC firmware/);
    assert.equal(detectOs(buildIso('eltorito-both', 'BOTH', ['-b', 'boot/bios.img', '-no-emul-boot', '-boot-load-size', '4', '-eltorito-alt-boot', '-e', 'boot/efi.img', '-no-emul-boot'], files)).bootProblem, null);
    assert.equal(detectOs('/usr/lib/grub-rescue/grub-rescue-cdrom.iso').bootProblem, null);
    assert.match(detectOs(buildIso('data-disc', 'PHOTOS_2026')).bootProblem ?? '', /no El Torito boot record/);
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
    assert.equal(detection.arch, null);
    assert.equal(detection.archSource, null);
    // 128 MiB makes a current Linux kernel panic: an unknown OS gets 512 MiB and warns below 256.
    assert.ok(detection.memory.recommendedMib >= 512);
    assert.ok(detection.memory.minimumMib >= 256);
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
