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
 * media newer than the installed database (Debian 12 with osinfo-db 2022) is still named after
 * its distribution, using the newest matching release's defaults ("Debian 11 or newer").
 *
 * Hangar adds two OS ids of its own: "other" (unknown media; generic defaults) and "grub"
 * (GRUB rescue media, recognised by a /boot/grub folder on an El Torito ISO or a GRUB boot
 * sector on a floppy; family "other").
 */
import { closeSync, existsSync, openSync, readdirSync, readFileSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { isoHasFolder } from './iso-tree.js';
import { readIsoIdentity, type IsoIdentity } from './iso9660.js';

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
  /** Architecture of the matched media entry (x86_64, i686, …), when known. */
  arch: string | null;
  iso: IsoIdentity | null;
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
    memory: { minimumMib: 32, recommendedMib: 512 },
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
  similarVolumeId: RegExp | null;
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
  match(iso: IsoIdentity): { os: OsInfo; arch: string | null; match: 'exact' | 'similar' } | null;
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

/** Replaces literal digit runs (not quantifier bounds) with \d+. */
function generaliseDigits(pattern: string): string | null {
  let out = '';
  let changed = false;
  for (let index = 0; index < pattern.length; index++) {
    const char = pattern[index] as string;
    if (char === '\\') {
      out += char + (pattern[index + 1] ?? '');
      index++;
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
      while (index + 1 < pattern.length && /[0-9]/.test(pattern[index + 1] as string)) index++;
      out += '\\d+';
      changed = true;
      continue;
    }
    out += char;
  }
  return changed ? out : null;
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
    const minimumMib = resources?.minimum.ram ? Math.ceil(resources.minimum.ram / mib) : other.memory.minimumMib;
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
        const matcher: MediaMatcher = {
          arch: entry['@arch'] ?? null,
          volumeId: regex(volumePattern),
          similarVolumeId: regex(generalised),
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

  match(iso: IsoIdentity): { os: OsInfo; arch: string | null; match: 'exact' | 'similar' } | null {
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
    if (best) return { os: best.entry.info, arch: best.matcher.arch, match: 'exact' };

    let similar: { entry: IndexedOs; matcher: MediaMatcher } | null = null;
    for (const entry of this.#index.values()) {
      for (const matcher of entry.media) {
        if (
          matcher.similarVolumeId &&
          iso.volumeId.length > 0 &&
          matcher.similarVolumeId.test(iso.volumeId) &&
          fieldMatches(matcher.systemId, iso.systemId) &&
          fieldMatches(matcher.publisherId, iso.publisherId) &&
          fieldMatches(matcher.applicationId, iso.applicationId)
        ) {
          if (!similar || newer(entry.info, similar.entry.info)) similar = { entry, matcher };
        }
      }
    }
    if (!similar) return null;
    const info = similar.entry.info;
    const mediaVersion = Number(/\d+/.exec(iso.volumeId)?.[0] ?? NaN);
    const knownVersion = Number(/\d+/.exec(info.version ?? '')?.[0] ?? NaN);
    const name = mediaVersion > knownVersion ? `${info.name} or newer` : info.name;
    return { os: { ...info, name }, arch: similar.matcher.arch, match: 'similar' };
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

function detection(os: OsInfo, match: OsDetection['match'], arch: string | null, iso: IsoIdentity | null): OsDetection {
  return { ...os, match, arch, iso };
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
    if (found) return detection(found.os, found.match, found.arch, iso);
    if (iso.bootable && isoHasFolder(path, ['boot', 'grub'])) return detection(grub, 'builtin', null, iso);
    return detection(other, 'none', null, iso);
  }
  const boot = readBootSector(path);
  if (boot.length === 512 && boot[510] === 0x55 && boot[511] === 0xaa && boot.includes('GRUB')) return detection(grub, 'builtin', null, null);
  return detection(other, 'none', null, null);
}
