/**
 * The environment engine processes start with: the parent's, plus glibc allocator settings the
 * display path needs (kept when the user set them already).
 *
 * Why: above its mmap threshold (128 KiB, raised only by frees) glibc serves each allocation
 * with a fresh mapping, which the kernel zero-fills page by page on first touch, and unmaps it
 * again on free. A busy display makes several frame-sized buffers a flush (the structured clone
 * of each frame to main is ~3 MiB at 1024×768): measured with bench/display-v86-flush.ts, page
 * faults and unmapping made a 1024×768 flush cost ~7–9 ms of CPU instead of ~2 ms, and since
 * the flush interval is that cost times DISPLAY_BUDGET, v86 painted 3 frames/s instead of 15.
 * With the threshold at glibc's maximum (32 MiB) such buffers come from the heap and are reused;
 * the trim threshold keeps up to 64 MiB of freed heap instead of returning it after every frame.
 * Other C libraries ignore these variables.
 */

/** glibc's tunables as environment variables (the trailing underscore is part of the name). */
export const engineAllocatorSettings: Readonly<Record<string, string>> = {
  MALLOC_MMAP_THRESHOLD_: String(32 << 20),
  MALLOC_TRIM_THRESHOLD_: String(64 << 20),
};

/** `base` (default: this process's environment) with the allocator settings it does not set itself. */
export function engineEnvironment(base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return { ...engineAllocatorSettings, ...base };
}
