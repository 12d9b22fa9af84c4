/**
 * Hangar VM library — public API. Node only (better-sqlite3, chokidar); no Electron, no React.
 *
 *   const library = await Library.open(folder?, { lock: true });   // throws LibraryError
 *   const result  = await Library.tryOpen(folder?, options);        // Result<Library>
 *   await Library.open(folder, { lock: false })   // reader beside a running app: no repair, no watcher
 *   library.on('change', (change: LibraryChange) => …);             // push updates to the UI
 *   library.reconcileReport                                         // what open found/repaired
 *   await library.close();                                          // db, watcher, lock
 *
 *   library.machines  list() · get(id) · findByName(name) · create(MachineInput) ·
 *                     update(id, MachinePatch) · delete(id, {keepFiles}) ·
 *                     attachDisk(id, DiskInput) · detachDisk(diskId) ·
 *                     setDrive(id, 'cd0'|'fd0', mediaId|null) · usingMedia(mediaId)
 *   library.createDisk(machineId, {name?, format, sizeBytes, bus?, onProgress?}) → Disk
 *   library.media     list() · get(id) · findByPath(path) · add(path) · remove(id) ·
 *                     folders() · markMissing(path) · refreshPresence()
 *   library.addWatchedFolder(path) · library.removeWatchedFolder(id)
 *   library.snapshots list(machineId) · get(id) · thumbnail(id) · stateFilePath(snapshot) ·
 *                     begin(machineId) → PendingSnapshot {id, folder}; write files there;
 *                     commit(pending, SnapshotCommit) · abandon(pending) ·
 *                     take(machineId, {…, state: bytes}) · update(id, {name, description}) ·
 *                     setCurrent(machineId, id|null) · delete(id)
 *   library.settings  get(key, fallback) · set(key, value) · delete(key) · all()
 *   library.detectOs(path) → OsDetection · library.osCatalog() → OsCatalog
 *   proposeMachine(detection, engine?, {qemu}?) → wizard defaults (engine and why, memory, CPUs, disk size)
 *   library.mediaChecked → Promise of the background media presence check started by open
 *   library.layout.ensureRuntimeFolder() → <library>/run (0700) for engine sockets
 *   library.backup(destination?) → path (SQLite online backup) · library.reconcile()
 *   library.createMachine(input, {drives?, disks?, newDisk?, onProgress?}) → Machine (atomic)
 *
 * Safety: open refuses (Corrupt, naming the restore command) a database that fails quick_check,
 * or that is missing/empty while machine folders or backups exist; a daily backup goes to
 * backups/ (and one before each migration). Each machine folder holds machine.json (its rows).
 * Maintenance without an open Library: checkLibrary(folder) · backupLibrary(folder) ·
 * restoreLibrary(folder, backup) · rebuildLibrary(folder) (the last two take the lock).
 *
 * Stand-alone helpers: detectOs, readIsoIdentity, createDiskImage, inspectDiskImage,
 * checkDiskImage (and repair), diskHeaderProblem, hasQemuImg, defaultLibraryFolder, sanitizeFileName, engineLimits.
 * Errors: LibraryError with .class InvalidInput | NotFound | Duplicate | Locked | Corrupt |
 * NewerSchema | ToolMissing | IoError, and toJSON() → {class, desc}.
 */
export { Library, type CreateDiskInput, type CreateMachineOptions, type LibraryEvents, type LibraryOpenOptions } from './library.js';
export { LibraryError, type LibraryErrorClass } from './errors.js';
export * from './types.js';
export { MachineRepository, type MachineExtras, type StagedMachine } from './machines.js';
export { MediaRepository } from './media.js';
export { SnapshotRepository, type PendingSnapshot, type SnapshotCommit } from './snapshots.js';
export { SettingsRepository } from './settings.js';
export { defaultConfig, engineLimits, validateConfig, type EngineLimits } from './validate.js';
export { defaultLibraryFolder, LibraryLayout, sanitizeFileName, writeFileAtomic } from './paths.js';
export { detectOs, loadOsCatalog, osCatalog, otherOsId, grubOsId, type OsCatalog, type OsDetection, type OsInfo } from './osinfo.js';
export { readIsoIdentity, type IsoIdentity } from './iso9660.js';
export { proposeMachine, type MachineProposal } from './proposal.js';
export { isMediaFile, mediaKind, slotKindProblem } from './media-probe.js';
export {
  checkDiskImage,
  convertDiskImage,
  createDiskImage,
  diskHeaderProblem,
  hasQemuImg,
  inspectDiskImage,
  resizeDiskImage,
  type CreateDiskOptions,
  type DiskCheck,
  type DiskCheckOptions,
  type DiskImageInfo,
  type DiskProgress,
} from './disk-images.js';
export { addNewDisk, attachExistingDisk, convertMachineDisk, removeMachineDisk, type MachineDiskStore } from './machine-disks.js';
export { type ReconcileIssue, type ReconcileIssueKind, type ReconcileReport } from './reconcile.js';
export { type LockOwner } from './lock.js';
export { listBackups, restoreAdvice, type BackupEntry } from './backups.js';
export { machineFileName, readMachineFile, type MachineFile, type RegisterReport } from './machine-file.js';
export {
  backupLibrary,
  checkLibrary,
  rebuildLibrary,
  restoreLibrary,
  type LibraryCheck,
  type RebuildReport,
  type RestoreReport,
} from './maintenance.js';
export { latestVersion as librarySchemaVersion } from './migrations.js';
