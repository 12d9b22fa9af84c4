/**
 * `hangar library check | backup | restore BACKUP | rebuild`: the library database's health,
 * backups and recovery. These work on the library's files, not through the API: check and
 * backup are safe beside a running instance; restore and rebuild replace the database, so they
 * refuse (exit 1, saying which instance to close) while another instance holds the library.
 */
import {
  backupLibrary,
  checkLibrary,
  LibraryError,
  rebuildLibrary,
  restoreLibrary,
  type LibraryCheck,
  type RegisterReport,
} from '../../../library/index.js';
import { UsageError, parseArguments } from '../arguments.js';
import type { CliCommand } from '../command.js';
import { libraryFolder } from '../connection.js';

/** Output streams, as main.ts passes them. */
export interface LibraryCommandIo {
  out(text: string): void;
  err(text: string): void;
}

export const libraryUsage = `  library check [--json] | backup | restore BACKUP | rebuild
                                         the library database: full integrity check and the
                                         list of backups; a backup now; replace the database
                                         with a backup; rebuild it from the machine folders'
                                         machine.json files (restore and rebuild need every
                                         other Hangar instance on this library closed)`;

/**
 * Runs `hangar library …` with the arguments after `library`; resolves with the exit code: 0
 * done (check: the database is sound), 1 failed or damaged, 3 no such backup. Usage mistakes
 * throw UsageError (main prints the usage, exit 2).
 */
export async function runLibraryCommand(argv: string[], io: LibraryCommandIo, folder: string = libraryFolder()): Promise<number> {
  const [action, ...rest] = argv;
  try {
    switch (action) {
      case 'check': {
        const parsed = parseArguments(rest, [], ['json']);
        if (parsed.positionals.length > 0) throw new UsageError('library check takes no arguments.');
        const report = checkLibrary(folder);
        if (parsed.flags.has('json')) io.out(JSON.stringify(report, null, 2));
        else printCheck(report, io);
        return report.ok ? 0 : 1;
      }
      case 'backup': {
        noArguments(rest, 'backup');
        io.out(`Backed up the library database to ${backupLibrary(folder)}`);
        return 0;
      }
      case 'restore': {
        const parsed = parseArguments(rest, [], []);
        const [backup, ...extra] = parsed.positionals;
        if (!backup || extra.length > 0) throw new UsageError('library restore takes one backup file (hangar library check lists them).');
        const report = restoreLibrary(folder, backup);
        io.out(`Restored the library database from ${report.restoredFrom}.`);
        if (report.previous) io.out(`The database it replaced is kept at ${report.previous}.`);
        printRegistered(report.registered, io, 'made after the backup');
        return 0;
      }
      case 'rebuild': {
        noArguments(rest, 'rebuild');
        const report = rebuildLibrary(folder);
        if (report.mode === 'new') {
          io.out(`Built a new library database from the machine folders${report.previous ? `; the unusable one is kept at ${report.previous}` : ''}.`);
          io.out('Settings, watched folders and snapshot thumbnails were in the old database and are not recovered; media in drives are registered again.');
        } else {
          io.out(`The library database is sound; added what the machine folders have and it lacks (backup first: ${report.previous ?? 'none'}).`);
        }
        printRegistered(report.registered, io, 'from their machine.json');
        return 0;
      }
      default:
        throw new UsageError(action === undefined ? 'library needs an action: check, backup, restore or rebuild.' : `Unknown library action "${action}"; use check, backup, restore or rebuild.`);
    }
  } catch (error) {
    if (!(error instanceof LibraryError)) throw error;
    io.err(`hangar: ${error.message} (${error.class})`);
    return error.class === 'NotFound' ? 3 : 1;
  }
}

function noArguments(argv: string[], action: string): void {
  const parsed = parseArguments(argv, [], []);
  if (parsed.positionals.length > 0) throw new UsageError(`library ${action} takes no arguments.`);
}

function printCheck(report: LibraryCheck, io: LibraryCommandIo): void {
  io.out(`Database:       ${report.database}`);
  io.out(`Integrity:      ${report.integrity.join('; ')}`);
  if (report.schemaVersion !== null) io.out(`Schema version: ${report.schemaVersion} (this Hangar writes ${report.latestSchemaVersion})`);
  io.out(`Machines:       ${report.machines} in the database, ${report.machineFolders} machine folders on disk`);
  for (const path of report.unregistered) io.out(`  not in the database (hangar library rebuild registers it): ${path}`);
  if (report.backups.length === 0) io.out('Backups:        none yet');
  else {
    io.out('Backups (newest first; restore one with: hangar library restore FILE):');
    for (const backup of report.backups) io.out(`  ${backup.createdAt}  ${backup.reason.padEnd(18)} ${formatSize(backup.sizeBytes).padStart(9)}  ${backup.path}`);
  }
  if (report.advice) io.out(`The database is not usable. ${report.advice}`);
}

function printRegistered(registered: RegisterReport, io: LibraryCommandIo, how: string): void {
  for (const machine of registered.machines) {
    const renamed = machine.renamedFrom ? ` (renamed from "${machine.renamedFrom}": the name was taken)` : '';
    io.out(`Registered machine "${machine.name}"${renamed} with ${machine.snapshots} snapshot(s) ${how}.`);
  }
  if (registered.snapshotsAdded > 0) io.out(`Registered ${registered.snapshotsAdded} snapshot(s) of known machines ${how}.`);
  if (registered.machines.length === 0 && registered.snapshotsAdded === 0) io.out('No machine folder needed registering.');
  for (const skipped of registered.skipped) io.err(`hangar: skipped ${skipped.path}: ${skipped.reason}`);
}

function formatSize(bytes: number): string {
  return bytes >= 1 << 20 ? `${(bytes / (1 << 20)).toFixed(1)} MiB` : `${Math.max(1, Math.round(bytes / 1024))} KiB`;
}

/** `hangar library`. */
export const libraryCommand: CliCommand = { name: 'library', usage: libraryUsage, run: (argv, io) => runLibraryCommand(argv, io) };
