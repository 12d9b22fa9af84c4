/**
 * A named test double for the one browser feature headless Chromium cannot provide: pointer
 * lock. With no real pointer to lock, Chromium 156 headless stalls the page's main thread after
 * `requestPointerLock()` — measured 21 to 110 s per click on the guest screen in the end-to-end
 * suite, which is what pushed it past its time limit in CI; with the double the same steps take
 * 2 to 12 s. The double grants nothing (no `pointerlockchange`, `pointerLockElement` stays
 * null), so the page's capture, keyboard and relative-mouse paths still run as they do when a
 * desktop browser shows its "press Esc" bubble; only the lock itself is left out.
 */
import type { BrowserContext } from 'playwright-core';

/** Replaces `Element.prototype.requestPointerLock` in every page of `context` with the double. */
export async function withoutHeadlessPointerLock(context: BrowserContext): Promise<void> {
  await context.addInitScript(() => {
    const element = (globalThis as unknown as { Element: { prototype: { requestPointerLock?: () => Promise<void> } } }).Element;
    element.prototype.requestPointerLock = () => Promise.resolve();
  });
}
