/**
 * What the Shared folders page shows, computed without React: each share's row (mount tag,
 * access, what the running engine says or what applies at the next start), the checks of the
 * add form, and the per-guest-family hints. The rules are the library's (src/shared/share-settings.ts).
 */
import { checkShareSettings, defaultShareName, linuxMountCommand, shareMountCommand, shareTag, v86SharesNote, type ShareSetting } from '../../../shared/share-settings.js';

/** A share as `vm.shares` reports it (the renderer's copy of the API's shape). */
export interface ShareState {
  readonly name: string;
  readonly tag: string;
  readonly hostPath: string;
  readonly readOnly: boolean;
  readonly status: 'active' | 'failed' | 'stored' | 'pending';
  readonly error?: string;
  readonly mountCommand: string;
}

/** `vm.shares` as the page uses it. */
export interface SharesStatus {
  readonly running: boolean;
  readonly shares: readonly ShareState[];
  readonly note?: string;
}

/** One row of the page's table. */
export interface ShareRow extends ShareSetting {
  readonly tag: string;
  readonly mountCommand: string;
  /** What the running engine says; `next start` when the draft differs from what it runs with. */
  readonly state?: 'active' | 'failed' | 'next start';
  readonly error?: string;
}

/** The guest families the page has advice for. */
export type GuestFamily = 'linux' | 'windows' | 'other';

/** The guest family of an osinfo id (http://microsoft.com/win/10 → windows), for the mount hint. */
export function guestFamily(osId: string): GuestFamily {
  if (/microsoft\.com\/win|windows/i.test(osId)) return 'windows';
  if (/debian|ubuntu|fedora|redhat|rhel|centos|alpine|archlinux|opensuse|suse|gentoo|linuxmint|mageia|slackware|void|nixos|rocky|almalinux|linux/i.test(osId)) return 'linux';
  return 'other';
}

/** The rows of the table: the draft's shares, each with what the running engine reports for it. */
export function shareRows(shares: readonly ShareSetting[], status: SharesStatus | undefined): ShareRow[] {
  return shares.map((share, index) => {
    const tag = shareTag(share, index);
    const row = { ...share, tag, mountCommand: shareMountCommand(tag, index) };
    if (!status?.running) return row;
    const live = status.shares.find((candidate) => candidate.name === share.name && candidate.hostPath === share.hostPath && candidate.readOnly === share.readOnly);
    if (!live || live.status === 'stored' || live.status === 'pending') return { ...row, state: 'next start' as const };
    return { ...row, tag: live.tag, mountCommand: live.mountCommand, state: live.status, ...(live.error !== undefined ? { error: live.error } : {}) };
  });
}

/** The add form's fields. */
export interface ShareDraft {
  readonly hostPath: string;
  readonly name: string;
  readonly readOnly: boolean;
}

/** The share the form describes, with the name from the folder when left empty. */
export function draftShare(draft: ShareDraft): ShareSetting {
  const hostPath = draft.hostPath.trim();
  const name = draft.name.trim();
  return { hostPath, name: name === '' ? defaultShareName(hostPath) : name, readOnly: draft.readOnly };
}

/** Why the form's share cannot be added to `shares`, as a sentence; undefined when it can (the folder itself is checked when saved). */
export function addShareProblem(shares: readonly ShareSetting[], draft: ShareDraft): string | undefined {
  if (draft.hostPath.trim() === '') return 'Type the full path of a folder on this computer (like /home/you/projects).';
  const checked = checkShareSettings([...shares, draftShare(draft)]);
  return checked.ok ? undefined : checked.error;
}

/** The advice for each guest family, the machine's own first. */
export function mountHints(osId: string): { family: GuestFamily; title: string; text: string; command?: string }[] {
  const hints = [
    { family: 'linux' as const, title: 'Linux', text: 'As root in the guest (9p modules of the kernel):', command: linuxMountCommand },
    { family: 'windows' as const, title: 'Windows', text: 'Windows has no 9P client: it needs a 9P or virtiofs driver. Without one, use Devices → Send files… to put files on a CD in the guest.' },
    { family: 'other' as const, title: 'Other systems', text: 'Mount the 9P2000.L file system over virtio with the mount tag host9p, if the system has a client for it; otherwise use Send files.' },
  ];
  const own = guestFamily(osId);
  return [...hints.filter((hint) => hint.family === own), ...hints.filter((hint) => hint.family !== own)];
}

/** The page's note about v86 and several shares (undefined when it does not apply). */
export function engineShareNote(engine: 'v86' | 'qemu', shares: readonly ShareSetting[], status?: SharesStatus): string | undefined {
  if (status?.note !== undefined) return status.note;
  return engine === 'v86' && shares.length > 1 ? v86SharesNote : undefined;
}

/**
 * The shared-folder part of a refused save: the core names the field first (`shares: The shared
 * folder "x" (/srv/x) does not exist; …`); answers the sentence without it, or undefined when the
 * refusal is about something else.
 */
export function sharesSaveProblem(desc: string | undefined): string | undefined {
  if (desc === undefined) return undefined;
  const match = /^shares: (.+)$/su.exec(desc);
  if (match) return match[1];
  // The same sentence without the field (a core that does not prefix it).
  return desc.startsWith('The shared folder "') ? desc : undefined;
}

/**
 * Where the page shows a problem with the shares: in the row of the share it names (`The shared
 * folder "NAME" (HOSTPATH) …`, the library's wording), on the page when it names none, or
 * nowhere (`hidden`) once that share was removed or changed in the draft.
 */
export function shareErrorPlace(error: string, shares: readonly ShareSetting[]): { row: string } | 'page' | 'hidden' {
  const named = /^The shared folder "([^"]*)" \((.*?)\)(?= (?:does|is|cannot))/su.exec(error);
  if (!named) return 'page';
  const share = shares.find((candidate) => candidate.name === named[1] && candidate.hostPath === named[2]);
  return share ? { row: share.name } : 'hidden';
}
