/**
 * Fault injection for the crash tests: with HANGAR_CRASH_AT=<point> in the environment, the
 * process kills itself with SIGKILL when it reaches that point, so a test can stop a real
 * `hangar` process exactly between two steps of a multi-step write (as a power cut would) and
 * check what the next open makes of it. Unset (always, outside tests) it does nothing.
 */

/** The named points multi-step library writes pass through. */
export type CrashPoint = 'create:staged' | 'create:disk' | 'create:manifest' | 'create:committed' | 'create:renamed' | 'delete:moved' | 'delete:committed';

/** Dies on the spot when HANGAR_CRASH_AT names `point`. */
export function crashPoint(point: CrashPoint): void {
  if (process.env.HANGAR_CRASH_AT === point) process.kill(process.pid, 'SIGKILL');
}
