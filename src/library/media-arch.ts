/**
 * The CPU architecture an install medium is for, from what the medium itself says: its volume
 * id ("Debian 11.7.0 i386 n"), the `.disk/info` line Debian and Ubuntu media carry, its boot
 * files (install.amd, EFI/BOOT/BOOTIA32.EFI, …) and its El Torito boot catalog (a PowerPC or
 * Mac only catalog). Architectures use osinfo's names: x86_64, i686, aarch64, armv7l, ppc64le,
 * ppc64, ppc, s390x, riscv64.
 */
import type { IsoIdentity } from './iso9660.js';
import { openIsoTree, type IsoTree } from './iso-tree.js';

/** Where an architecture was read. */
export type ArchSource = 'volume-id' | 'disk-info' | 'boot-files' | 'el-torito' | 'osinfo';

/** An architecture and the evidence for it, in words a user can check. */
export interface MediumArch {
  arch: string;
  source: ArchSource;
  /** E.g. `the volume id "Debian 11.7.0 i386 n"`. */
  evidence: string;
}

/** Architecture names as they appear in media names, longest first within a family. */
const archWords: readonly [RegExp, string][] = [
  [/(?<![a-z0-9])(x86[_-]64|amd64|x64|em64t)(?![a-z0-9])/, 'x86_64'],
  [/(?<![a-z0-9])(i[3-6]86|ia32|x86[_-]32)(?![a-z0-9])/, 'i686'],
  // Windows media: "CCCOMA_X64FRE_EN-US_DV9", "CPBA_X86FRE_EN-US_DV5".
  [/(?<![a-z0-9])x64fre(?![a-z0-9])/, 'x86_64'],
  [/(?<![a-z0-9])x86fre(?![a-z0-9])/, 'i686'],
  [/(?<![a-z0-9])(aarch64|arm64)(?![a-z0-9])/, 'aarch64'],
  [/(?<![a-z0-9])(armhf|armel|armv7l?|armv7hl)(?![a-z0-9])/, 'armv7l'],
  [/(?<![a-z0-9])(ppc64el|ppc64le)(?![a-z0-9])/, 'ppc64le'],
  [/(?<![a-z0-9])(ppc64)(?![a-z0-9])/, 'ppc64'],
  [/(?<![a-z0-9])(powerpc|ppc)(?![a-z0-9])/, 'ppc'],
  [/(?<![a-z0-9])(s390x)(?![a-z0-9])/, 's390x'],
  [/(?<![a-z0-9])(riscv64)(?![a-z0-9])/, 'riscv64'],
];

/** The architecture a name or text mentions, or null when it mentions none or several. */
export function archFromText(text: string): string | null {
  const lower = text.toLowerCase();
  const found = new Set(archWords.filter(([pattern]) => pattern.test(lower)).map(([, arch]) => arch));
  return found.size === 1 ? ([...found][0] as string) : null;
}

/** Boot files and folders that name an architecture (Debian's installer folders, UEFI's removable-media loaders). */
const bootFolders: Record<string, string> = { 'install.amd': 'x86_64', 'install.386': 'i686', 'install.a64': 'aarch64' };
const efiLoaders: readonly [string, string][] = [
  // A 64-bit medium often carries a 32-bit UEFI loader too (for 64-bit CPUs with 32-bit
  // firmware), so the 64-bit loaders decide first.
  ['bootx64.efi', 'x86_64'],
  ['bootaa64.efi', 'aarch64'],
  ['bootriscv64.efi', 'riscv64'],
  ['bootia32.efi', 'i686'],
  ['bootarm.efi', 'armv7l'],
];

function fromBootFiles(tree: IsoTree): MediumArch | null {
  const root = tree.list([]) ?? [];
  for (const entry of root) {
    const arch = entry.isDirectory ? bootFolders[entry.name.toLowerCase()] : undefined;
    if (arch) return { arch, source: 'boot-files', evidence: `its installer folder /${entry.name}` };
  }
  const efi = (tree.list(['efi', 'boot']) ?? []).map((entry) => entry.name.toLowerCase());
  for (const [loader, arch] of efiLoaders) {
    if (efi.includes(loader)) return { arch, source: 'boot-files', evidence: `its UEFI loader /EFI/BOOT/${loader.toUpperCase()}` };
  }
  // Arch Linux and derivatives: /arch/boot/x86_64; others keep kernels per architecture under /boot.
  for (const folder of [['arch', 'boot'], ['boot']]) {
    for (const entry of tree.list(folder) ?? []) {
      const arch = entry.isDirectory ? archFromText(entry.name) : null;
      if (arch) return { arch, source: 'boot-files', evidence: `its boot folder /${[...folder, entry.name].join('/')}` };
    }
  }
  return null;
}

/**
 * The architecture of the ISO at `path` with identity `iso`, from the first source that names
 * one: volume id, `.disk/info`, boot files, El Torito catalog. Null when none does.
 */
export function detectMediumArch(path: string, iso: IsoIdentity): MediumArch | null {
  const fromVolume = archFromText(iso.volumeId);
  if (fromVolume) return { arch: fromVolume, source: 'volume-id', evidence: `the volume id "${iso.volumeId}"` };
  const tree = openIsoTree(path);
  if (tree) {
    try {
      const info = tree.read(['.disk', 'info'], 512)?.toString('utf8').split('\n')[0]?.trim();
      const fromInfo = info ? archFromText(info) : null;
      if (fromInfo && info) return { arch: fromInfo, source: 'disk-info', evidence: `its .disk/info "${info}"` };
      const fromBoot = fromBootFiles(tree);
      if (fromBoot) return fromBoot;
    } finally {
      tree.close();
    }
  }
  const platforms = iso.bootPlatforms;
  if (platforms.length > 0 && platforms.every((platform) => platform === 'ppc' || platform === 'mac')) {
    return { arch: 'ppc', source: 'el-torito', evidence: 'its El Torito boot catalog (PowerPC/Mac entries only)' };
  }
  return null;
}
