/**
 * The shared-folder options of `hangar create` and `modify` (--share HOSTPATH[:NAME][:ro],
 * --no-share NAME, both repeatable), read into the API's list of shares and checked with the
 * library's own rules, folders included, so bad input is a usage error (exit 2) and nothing is
 * sent. The library checks again when it saves.
 */
import { resolve } from 'node:path';
import { shareFolderProblem } from '../../library/share-folders.js';
import { checkShareSettings, defaultShareName, parseShareText, type ShareInput, type ShareSetting } from '../../shared/share-settings.js';
import { UsageError } from './arguments.js';
import { takeRepeated } from './network-options.js';

/** The share options found in a command line, and the arguments left. */
export interface ShareOptions {
  rest: string[];
  additions: string[];
  removals: string[];
  /** True when any share option was given. */
  asked: boolean;
}

/** Takes every --share and --no-share out of `argv`. */
export function takeShareOptions(argv: readonly string[]): ShareOptions {
  const additions = takeRepeated(argv, 'share');
  const removals = takeRepeated(additions.rest, 'no-share');
  return { rest: removals.rest, additions: additions.values, removals: removals.values, asked: additions.values.length > 0 || removals.values.length > 0 };
}

/**
 * The machine's new list of shares: `current` (the stored list; undefined for a new machine)
 * without the --no-share names, then the --share ones. Relative paths are taken from the
 * working folder. Returns undefined when no share option was given.
 */
export function sharesFromOptions(options: ShareOptions, current: readonly ShareInput[] | undefined): ShareInput[] | undefined {
  if (!options.asked) return undefined;
  if (current === undefined && options.removals.length > 0) throw new UsageError('--no-share is for hangar modify; a new machine has no shares to remove.');
  const stored = current ?? [];
  for (const name of options.removals) {
    if (!stored.some((share) => share.name?.toLowerCase() === name.toLowerCase())) {
      const names = stored.map((share) => share.name).join(', ');
      throw new UsageError(`--no-share ${name}: the machine has no share called "${name}"${names ? ` (it has ${names})` : ' (it has none)'}.`);
    }
  }
  const kept = stored.filter((share) => !options.removals.some((name) => name.toLowerCase() === share.name?.toLowerCase()));
  const added: ShareSetting[] = options.additions.map((text) => {
    let parsed: ShareInput;
    try {
      parsed = parseShareText(text);
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    const hostPath = resolve(parsed.hostPath);
    const share = { hostPath, name: parsed.name ?? defaultShareName(hostPath), readOnly: parsed.readOnly ?? false };
    const problem = shareFolderProblem(share);
    if (problem !== undefined) throw new UsageError(`--share ${text}: ${problem}`);
    return share;
  });
  const shares = [...kept, ...added];
  const checked = checkShareSettings(shares);
  if (!checked.ok) throw new UsageError(checked.error);
  return shares;
}
