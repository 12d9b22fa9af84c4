/**
 * OS detection from install media with the osinfo database (Debian package osinfo-db, the data
 * behind virt-manager and GNOME Boxes).
 *
 * The database (~800 XML files) is parsed once per process, lazily, into a compact index of OS
 * entries and their media matchers. Matching follows libosinfo: every identity field a media
 * entry specifies (volume id, system id, publisher id, application id, volume size) must match
 * the image, as a regular expression searched in the field.
 *
 * When nothing matches exactly, a "similar" pass retries the volume-id patterns with their
 * version digits generalised ("Debian 11.\d+.\d+ amd64 n" → "Debian \d+.\d+.\d+ amd64 n"), so
 * media newer than the installed database (Debian 12 with osinfo-db 2022) is named after its own
 * release ("Debian 12") with the defaults of the closest known one, which the detection names
 * ("closest known: Debian 11").
 *
 * The architecture comes from the medium itself (media-arch.ts: volume id, `.disk/info`, boot
 * files, El Torito), else from the osinfo media entry that matched.
 *
 * Hangar adds two OS ids of its own: "other" (unknown media; generic defaults) and "grub"
 * (GRUB rescue media, recognised by a /boot/grub folder on an El Torito ISO or a GRUB boot
 * sector on a floppy; family "other").
 */
import { closeSync, existsSync, openSync, readdirSync, readFileSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { unknownOsMemoryMib, unknownOsMinimumMib } from '../shared/guest-os.js';
import { isoHasFolder } from './iso-tree.js';
import { readIsoIdentity, type IsoIdentity } from './iso9660.js';
import { detectMediumArch, type ArchSource } from './media-arch.js';

/** What the wizard needs to know about an OS. */
export interface OsInfo {
  id: string;
  name: string;
  /** osinfo family: linux, winnt, freebsd, … or "other". */
  family: string;
  /** osinfo distro (debian, fedora, win, …) or null. */
  distro: string | null;
  version: string | null;
  vendor: string | null;
  releaseDate: string | null;
  /** Name of an icon the UI can show: the distro, else the family, else "other". */
  iconHint: string;
  memory: { minimumMib: number; recommendedMib: number };
  disk: { minimumBytes: number; recommendedBytes: number };
}

/** Result of detecting the OS on a media file. */
export interface OsDetection extends OsInfo {
  /** exact: an osinfo media entry matched; similar: matched ignoring version numbers; builtin: Hangar's own rule; none: unknown ("other"). */
  match: 'exact' | 'similar' | 'builtin' | 'none';
  /** Architecture of the medium (osinfo names: x86_64, i686, aarch64, …), when known. */
  arch: string | null;
  /** Where the architecture was read, in words a user can check; null when unknown. */
  archSource: { from: ArchSource; evidence: string } | null;
  /** For a "similar" match naming a release the database does not know: the known entry whose defaults apply. */
  closestKnown: { id: string; name: string } | null;
  /** Why a machine will not boot from this disc (no boot record, UEFI only), or null. */
  bootProblem: string | null;
  iso: IsoIdentity | null;
}

/** What `OsCatalog.match` found. */
export interface CatalogMatch {
  os: OsInfo;
  arch: string | null;
  match: 'exact' | 'similar';
  closestKnown: { id: string; name: string } | null;
}

export const otherOsId = 'other';
export const grubOsId = 'grub';

const mib = 1024 * 1024;
const gib = 1024 * mib;

const builtinOs: Record<string, OsInfo> = {
  [otherOsId]: {
    id: otherOsId,
    name: 'Other',
    family: 'other',
    distro: null,
    version: null,
    vendor: null,
    releaseDate: null,
    iconHint: 'other',
    memory: { minimumMib: unknownOsMinimumMib, recommendedMib: unknownOsMemoryMib },
    disk: { minimumBytes: 512 * mib, recommendedBytes: 8 * gib },
  },
  [grubOsId]: {
    id: grubOsId,
    name: 'GRUB rescue',
    family: 'other',
    distro: 'grub',
    version: null,
    vendor: 'GNU',
    releaseDate: null,
    iconHint: 'grub',
    memory: { minimumMib: 16, recommendedMib: 64 },
    disk: { minimumBytes: 0, recommendedBytes: 0 },
  },
};

interface MediaMatcher {
  arch: string | null;
  volumeId: RegExp | null;
  /** The volume-id pattern with its literal digit runs captured as (?<hangarN>\d+). */
  similarVolumeId: RegExp | null;
  /** The literal digit runs the similar pattern captures, in order. */
  similarLiterals: string[];
  systemId: RegExp | null;
  publisherId: RegExp | null;
  applicationId: RegExp | null;
  volumeSize: number | null;
}

interface IndexedOs {
  info: OsInfo;
  media: MediaMatcher[];
}

/** The parsed osinfo database. */
export interface OsCatalog {
  /** True for osinfo ids and Hangar's own ids. */
  has(osId: string): boolean;
  /** Information about an OS id, or undefined. */
  get(osId: string): OsInfo | undefined;
  /** All OS entries (osinfo's and Hangar's own). */
  all(): OsInfo[];
  /** Matches an ISO identity. */
  match(iso: IsoIdentity): CatalogMatch | null;
}

/** Default osinfo database folders, in libosinfo's order of precedence (later wins). */
export function osinfoFolders(env: NodeJS.ProcessEnv = process.env): string[] {
  if (env.OSINFO_DB_PATH) return env.OSINFO_DB_PATH.split(':');
  return ['/usr/share/osinfo', '/etc/osinfo'];
}

const listTags = new Set(['os', 'media', 'name', 'resources', 'short-id', 'derives-from', 'iso', 'volume-id', 'system-id', 'publisher-id', 'application-id']);

function textOf(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  if (value && typeof value === 'object' && '#text' in value) return textOf((value as { '#text': unknown })['#text']);
  return null;
}

/** The untranslated element of a list of possibly language-tagged elements. */
function plainText(values: unknown): string | null {
  const list = Array.isArray(values) ? values : values === undefined ? [] : [values];
  for (const value of list) if (typeof value === 'string' || typeof value === 'number') return String(value);
  return list.length > 0 ? textOf(list[0]) : null;
}

function regex(pattern: string | null): RegExp | null {
  if (pattern === null || pattern.length === 0) return null;
  try {
    return new RegExp(pattern);
  } catch {
    return null;
  }
}

/**
 * Replaces literal digit runs (not quantifier bounds or escapes) with named captures
 * (?<hangar0>\d+), … and lists the runs replaced; null when there are none.
 */
function generaliseDigits(pattern: string): { pattern: string; literals: string[] } | null {
  let out = '';
  const literals: string[] = [];
  for (let index = 0; index < pattern.length; index++) {
    const char = pattern[index] as string;
    if (char === '\\') {
      out += char + (pattern[index + 1] ?? '');
      index++;
      continue;
    }
    if (char === '[') {
      // A character class: digits in it are not a version.
      let close = index + 1;
      while (close < pattern.length && pattern[close] !== ']') close += pattern[close] === '\\' ? 2 : 1;
      out += pattern.slice(index, close + 1);
      index = close;
      continue;
    }
    if (char === '{') {
      const close = pattern.indexOf('}', index);
      if (close > 0) {
        out += pattern.slice(index, close + 1);
        index = close;
        continue;
      }
    }
    if (/[0-9]/.test(char)) {
      const start = index;
      while (index + 1 < pattern.length && /[0-9]/.test(pattern[index + 1] as string)) index++;
      out += `(?<hangar${literals.length}>\\d+)`;
      literals.push(pattern.slice(start, index + 1));
      continue;
    }
    out += char;
  }
  return literals.length > 0 ? { pattern: out, literals } : null;
}

/**
 * The version a similar match names: the known entry's version with each literal digit run of
 * its pattern replaced by what the medium has there ("11" with 11→12 gives "12"); null when it
 * is the known version itself or cannot be derived.
 */
function mediaVersion(known: string | null, literals: string[], groups: Record<string, string | undefined>): string | null {
  if (!known) return null;
  let version = known;
  let cursor = 0;
  let changed = false;
  literals.forEach((literal, index) => {
    const found = groups[`hangar${index}`];
    const at = version.indexOf(literal, cursor);
    if (found === undefined || at < 0) return;
    version = version.slice(0, at) + found + version.slice(at + literal.length);
    cursor = at + found.length;
    if (Number(found) !== Number(literal)) changed = true;
  });
  return changed ? version : null;
}

/** How far apart two versions are, comparing numbers part by part (major first). */
function versionDistance(a: string, b: string): number {
  const parts = (text: string): number[] => (text.match(/\d+/g) ?? []).map(Number);
  const left = parts(a);
  const right = parts(b);
  if (left.length === 0 || right.length === 0) return Number.POSITIVE_INFINITY;
  let distance = 0;
  for (let index = 0; index < Math.max(left.length, right.length); index++) {
    distance += Math.abs((left[index] ?? 0) - (right[index] ?? 0)) / 1000 ** index;
  }
  return distance;
}

interface RawResources {
  '@arch'?: string;
  minimum?: { ram?: unknown; storage?: unknown };
  recommended?: { ram?: unknown; storage?: unknown };
}

interface RawOs {
  '@id': string;
  name?: unknown;
  version?: unknown;
  vendor?: unknown;
  family?: unknown;
  distro?: unknown;
  'release-date'?: unknown;
  'derives-from'?: { '@id': string }[];
  resources?: RawResources[];
  media?: { '@arch'?: string; iso?: Record<string, unknown>[] }[];
}

function pickResources(resources: RawResources[] | undefined): { minimum: { ram: number; storage: number }; recommended: { ram: number; storage: number } } | null {
  if (!resources || resources.length === 0) return null;
  const preferred = resources.find((entry) => entry['@arch'] === 'all') ?? resources.find((entry) => entry['@arch'] === 'x86_64') ?? resources.find((entry) => entry['@arch'] === 'i686') ?? resources[0];
  if (!preferred) return null;
  const number = (value: unknown): number => Number(textOf(value) ?? 0) || 0;
  return {
    minimum: { ram: number(preferred.minimum?.ram), storage: number(preferred.minimum?.storage) },
    recommended: { ram: number(preferred.recommended?.ram), storage: number(preferred.recommended?.storage) },
  };
}

function listXmlFiles(folder: string): string[] {
  if (!existsSync(folder)) return [];
  const found: string[] = [];
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) found.push(...listXmlFiles(path));
    else if (entry.name.endsWith('.xml')) found.push(path);
  }
  return found;
}

/** Parses the osinfo database in `folders` into a catalog. Slow (~1 s); use `osCatalog()`. */
export function loadOsCatalog(folders: string[] = osinfoFolders()): OsCatalog {
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '@',
    parseTagValue: false,
    isArray: (name) => listTags.has(name),
  });
  const raw = new Map<string, RawOs>();
  for (const folder of folders) {
    for (const file of listXmlFiles(join(folder, 'os'))) {
      let document: { libosinfo?: { os?: RawOs[] } };
      try {
        document = parser.parse(readFileSync(file, 'utf8')) as typeof document;
      } catch {
        continue; // A broken file in the database must not break detection of everything else.
      }
      for (const os of document.libosinfo?.os ?? []) if (os['@id']) raw.set(os['@id'], os);
    }
  }

  const resourcesOf = (id: string, depth = 0): ReturnType<typeof pickResources> => {
    const os = raw.get(id);
    if (!os || depth > 10) return null;
    const own = pickResources(os.resources);
    if (own && own.minimum.ram + own.recommended.ram > 0) return own;
    for (const parent of os['derives-from'] ?? []) {
      const inherited = resourcesOf(parent['@id'], depth + 1);
      if (inherited) return inherited;
    }
    return own;
  };

  const index = new Map<string, IndexedOs>();
  for (const [id, os] of raw) {
    const family = textOf(os.family) ?? 'other';
    const distro = textOf(os.distro);
    const resources = resourcesOf(id);
    const other = builtinOs[otherOsId] as OsInfo;
    // An osinfo entry without resources is a known OS (often DOS-era): no minimum beyond 32 MiB.
    const minimumMib = resources?.minimum.ram ? Math.ceil(resources.minimum.ram / mib) : 32;
    const recommendedMib = resources?.recommended.ram ? Math.ceil(resources.recommended.ram / mib) : Math.max(minimumMib, other.memory.recommendedMib);
    const minimumBytes = resources?.minimum.storage || other.disk.minimumBytes;
    const info: OsInfo = {
      id,
      name: plainText(os.name) ?? id,
      family,
      distro,
      version: textOf(os.version),
      vendor: plainText(os.vendor),
      releaseDate: textOf(os['release-date']),
      iconHint: distro ?? family,
      memory: { minimumMib, recommendedMib: Math.max(recommendedMib, minimumMib) },
      disk: { minimumBytes, recommendedBytes: Math.max(resources?.recommended.storage || other.disk.recommendedBytes, minimumBytes) },
    };
    const media: MediaMatcher[] = [];
    for (const entry of os.media ?? []) {
      for (const iso of entry.iso ?? []) {
        const field = (name: string): string | null => plainText(iso[name]);
        const volumePattern = field('volume-id');
        const generalised = volumePattern ? generaliseDigits(volumePattern) : null;
        const arch = entry['@arch'] ?? null;
        const matcher: MediaMatcher = {
          arch: arch === 'all' ? null : arch,
          volumeId: regex(volumePattern),
          similarVolumeId: regex(generalised?.pattern ?? null),
          similarLiterals: generalised?.literals ?? [],
          systemId: regex(field('system-id')),
          publisherId: regex(field('publisher-id')),
          applicationId: regex(field('application-id')),
          volumeSize: Number(textOf(iso['volume-size']) ?? 0) || null,
        };
        if (matcher.volumeId || matcher.systemId || matcher.publisherId || matcher.applicationId) media.push(matcher);
      }
    }
    index.set(id, { info, media });
  }
  return new Catalog(index);
}

function specificity(matcher: MediaMatcher): number {
  return [matcher.volumeId, matcher.systemId, matcher.publisherId, matcher.applicationId].filter(Boolean).length + (matcher.volumeSize ? 1 : 0);
}

class Catalog implements OsCatalog {
  readonly #index: Map<string, IndexedOs>;

  constructor(index: Map<string, IndexedOs>) {
    this.#index = index;
  }

  has(osId: string): boolean {
    return osId in builtinOs || this.#index.has(osId);
  }

  get(osId: string): OsInfo | undefined {
    return builtinOs[osId] ?? this.#index.get(osId)?.info;
  }

  all(): OsInfo[] {
    return [...Object.values(builtinOs), ...[...this.#index.values()].map((entry) => entry.info)];
  }

  match(iso: IsoIdentity): CatalogMatch | null {
    const fieldMatches = (pattern: RegExp | null, value: string): boolean => pattern === null || (value.length > 0 && pattern.test(value));
    let best: { entry: IndexedOs; matcher: MediaMatcher; score: number } | null = null;
    for (const entry of this.#index.values()) {
      for (const matcher of entry.media) {
        if (
          fieldMatches(matcher.volumeId, iso.volumeId) &&
          fieldMatches(matcher.systemId, iso.systemId) &&
          fieldMatches(matcher.publisherId, iso.publisherId) &&
          fieldMatches(matcher.applicationId, iso.applicationId) &&
          (matcher.volumeSize === null || matcher.volumeSize === iso.volumeSize)
        ) {
          const score = specificity(matcher);
          if (!best || score > best.score || (score === best.score && newer(entry.info, best.entry.info))) best = { entry, matcher, score };
        }
      }
    }
    if (best) return { os: best.entry.info, arch: best.matcher.arch, match: 'exact', closestKnown: null };

    // The closest release by version; among equally close ones, the newer.
    let similar: { entry: IndexedOs; matcher: MediaMatcher; version: string | null; distance: number } | null = null;
    for (const entry of this.#index.values()) {
      for (const matcher of entry.media) {
        if (!matcher.similarVolumeId || iso.volumeId.length === 0) continue;
        const found = matcher.similarVolumeId.exec(iso.volumeId);
        if (
          found &&
          fieldMatches(matcher.systemId, iso.systemId) &&
          fieldMatches(matcher.publisherId, iso.publisherId) &&
          fieldMatches(matcher.applicationId, iso.applicationId)
        ) {
          const version = mediaVersion(entry.info.version, matcher.similarLiterals, found.groups ?? {});
          const distance = version === null ? 0 : versionDistance(version, entry.info.version ?? '');
          if (!similar || distance < similar.distance || (distance === similar.distance && newer(entry.info, similar.entry.info))) similar = { entry, matcher, version, distance };
        }
      }
    }
    if (!similar) return null;
    const info = similar.entry.info;
    if (similar.version === null || !info.version || !info.name.includes(info.version)) {
      return { os: info, arch: similar.matcher.arch, match: 'similar', closestKnown: similar.version === null ? null : { id: info.id, name: info.name } };
    }
    const name = info.name.replace(info.version, similar.version);
    return { os: { ...info, name, version: similar.version }, arch: similar.matcher.arch, match: 'similar', closestKnown: { id: info.id, name: info.name } };
  }
}

function newer(a: OsInfo, b: OsInfo): boolean {
  return (a.releaseDate ?? '') > (b.releaseDate ?? '');
}

let cached: OsCatalog | null = null;

/** The process-wide catalog, parsed on first use. */
export function osCatalog(): OsCatalog {
  cached ??= loadOsCatalog();
  return cached;
}

/** Information about Hangar's own OS ids without loading the osinfo database. */
export function builtinOsInfo(osId: string): OsInfo | undefined {
  return builtinOs[osId];
}

function readBootSector(path: string): Buffer {
  const fd = openSync(path, 'r');
  try {
    const buffer = Buffer.alloc(512);
    const read = readSync(fd, buffer, 0, 512, 0);
    return buffer.subarray(0, read);
  } finally {
    closeSync(fd);
  }
}

function detection(path: string, os: OsInfo, match: OsDetection['match'], iso: IsoIdentity | null, found?: CatalogMatch): OsDetection {
  // The medium's own word first: osinfo media entries that share a volume-id pattern across
  // architectures cannot tell them apart.
  const medium = iso ? detectMediumArch(path, iso) : null;
  const archSource: OsDetection['archSource'] = medium
    ? { from: medium.source, evidence: medium.evidence }
    : found?.arch
      ? { from: 'osinfo', evidence: `the osinfo entry matching its volume id "${iso?.volumeId ?? ''}"` }
      : null;
  return { ...os, match, arch: medium?.arch ?? found?.arch ?? null, archSource, closestKnown: found?.closestKnown ?? null, bootProblem: iso ? bootProblem(iso) : null, iso };
}

/** Why a PC with a BIOS (both engines' machines) cannot boot from this disc, or null. */
function bootProblem(iso: IsoIdentity): string | null {
  if (!iso.bootable) return 'The disc has no El Torito boot record: a machine cannot start from it (fine for a data disc).';
  if (iso.bootPlatforms.length > 0 && !iso.bootPlatforms.includes('bios')) {
    return `The disc boots only through ${iso.bootPlatforms.map((platform) => ({ efi: 'UEFI', ppc: 'PowerPC firmware', mac: 'Mac firmware', bios: 'BIOS' })[platform]).join(' or ')} (its El Torito catalog has no BIOS entry); Hangar's machines start with a PC BIOS, so they will not boot from it.`;
  }
  return null;
}

/**
 * Detects the OS on an install medium (ISO or floppy image). Unknown media gives "Other" with
 * generic defaults. Reads only a few sectors of the file.
 */
export function detectOs(path: string, catalog: OsCatalog = osCatalog()): OsDetection {
  const other = builtinOs[otherOsId] as OsInfo;
  const grub = builtinOs[grubOsId] as OsInfo;
  const iso = readIsoIdentity(path);
  if (iso) {
    const found = catalog.match(iso);
    if (found) return detection(path, found.os, found.match, iso, found);
    if (iso.bootable && isoHasFolder(path, ['boot', 'grub'])) return detection(path, grub, 'builtin', iso);
    return detection(path, other, 'none', iso);
  }
  const boot = readBootSector(path);
  if (boot.length === 512 && boot[510] === 0x55 && boot[511] === 0xaa && boot.includes('GRUB')) return detection(path, grub, 'builtin', null);
  return detection(path, other, 'none', null);
}
