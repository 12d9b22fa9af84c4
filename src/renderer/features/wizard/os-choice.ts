/**
 * The wizard's view of an OS: the choice a detection makes (what the medium said over the
 * catalog's entry, which knows no architecture) and the sentences describing it.
 */
import { archLabel } from '../../../shared/guest-os.js';
import type { DetectedOs, OsChoice } from '../../platform/models.js';

/**
 * The OS choice for a detection: the catalog's entry (`known`, when the OS is in it) with what
 * the medium told on top: its name ("Debian 12" for a release the catalog knows as its closest,
 * "Debian 11"), architecture and bits, and the detected resources.
 */
export function detectedChoice(found: DetectedOs, known: OsChoice | undefined): OsChoice {
  const bits = found.bits ?? known?.bits;
  const arch = found.arch ?? known?.arch;
  const family = found.family ?? known?.family;
  const minimum = found.minimumMemoryMiB ?? known?.minimumMemoryMiB;
  return {
    id: found.osId,
    name: found.name,
    ...(bits ? { bits } : {}),
    ...(arch ? { arch } : {}),
    ...(family ? { family } : {}),
    ...(minimum !== undefined ? { minimumMemoryMiB: minimum } : {}),
    recommendedMemoryMiB: found.recommendedMemoryMiB ?? known?.recommendedMemoryMiB ?? found.memoryMiB,
    recommendedDiskMiB: found.diskMiB,
    ...(found.closestKnown ? { closestKnown: found.closestKnown } : {}),
  };
}

/** True when a detection tells something about the OS: a known OS, or at least the architecture. */
export function namesSomething(found: DetectedOs): boolean {
  return found.osId !== 'other' || found.arch !== undefined;
}

/** "Debian 12 — closest known: Debian 11", or the name alone. */
export function osDisplayName(os: Pick<OsChoice, 'name' | 'closestKnown'>): string {
  return os.closestKnown ? `${os.name} — closest known: ${os.closestKnown}` : os.name;
}

/** What the OS step says about a detection: the OS, the closest known entry, the architecture and where it was read. */
export function detectionSummary(found: DetectedOs): string {
  const closest = found.closestKnown ? ` — closest known: ${found.closestKnown} (newer than this computer's OS database; its defaults apply)` : '';
  const arch = found.arch
    ? ` Architecture: ${archLabel(found.arch)}${found.archEvidence ? `, from ${found.archEvidence}` : ''}.`
    : ' Architecture: not stated on the medium.';
  return `Detected ${found.name}${closest} on the install medium.${arch}`;
}

/** The OS field's help line: architecture or bits, then memory minimum and recommendation. */
export function osHelp(os: OsChoice): string {
  const kind = os.arch ? archLabel(os.arch) : os.bits ? `${os.bits}-bit` : 'architecture unknown';
  const minimum = os.minimumMemoryMiB ? `at least ${os.minimumMemoryMiB} MiB, ` : '';
  return `${kind}; ${minimum}recommended ${os.recommendedMemoryMiB} MiB memory`;
}
