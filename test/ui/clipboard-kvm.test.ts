/**
 * The clipboard and accelerator UI in Chromium (component page): the status bar says "Clipboard
 * agent connected" only when the agent answered, v86 offers no agent and its Settings page only
 * Off, the clipboard panel lists the agentless paths and runs them; a TCG fallback shows its
 * reason in the status bar and the manager's details with "Try KVM again". Screenshots at
 * 1280×800 and at a small window, with no horizontal overflow.
 */
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { openComponentPage, pageErrors, SCREENSHOT_DIR, startHarness } from './harness.js';
import type { UiHarness } from './harness.js';

interface Call {
  name: string;
  value: unknown;
}

const mount = (page: Page, fixture: string, options: Record<string, unknown> = {}) =>
  page.evaluate(([name, o]) => (globalThis as unknown as { hangarTest: { mount(n: string, o: unknown): void } }).hangarTest.mount(name as string, o), [fixture, options] as const);
const calls = (page: Page) => page.evaluate(() => (globalThis as unknown as { hangarFixture: { calls: Call[] } }).hangarFixture.calls);

/** The page does not scroll sideways (nothing wider than the window). */
async function assertNoOverflow(page: Page, what: string): Promise<void> {
  const { scrollWidth, clientWidth } = (await page.evaluate('({ scrollWidth: document.documentElement.scrollWidth, clientWidth: document.documentElement.clientWidth })')) as { scrollWidth: number; clientWidth: number };
  assert.ok(scrollWidth <= clientWidth, `${what}: scrollWidth ${scrollWidth} > clientWidth ${clientWidth}`);
}

const tcgReason = 'KVM was found unusable on this host: a probe guest did not finish within 8000 ms under kvm (too slow)';

describe('clipboard and accelerator UI', { timeout: 240_000 }, () => {
  let harness: UiHarness;
  const pages: Record<string, Page> = {};

  before(async () => {
    harness = await startHarness();
    for (const [name, width, height] of [['large', 1280, 800], ['small', 640, 480]] as const) {
      const page = await harness.newPage({ width, height });
      await openComponentPage(harness, page);
      pages[name] = page;
    }
    await mkdir(SCREENSHOT_DIR, { recursive: true });
  });
  after(async () => {
    await harness?.close();
  });

  test('QEMU without an answering agent is not "connected"; the panel offers the agentless paths and runs them', async () => {
    const page = pages.large as Page;
    await mount(page, 'status-bar', { engine: 'qemu', accelerator: 'kvm', clipboardMode: 'bidirectional', agentConnected: false });
    const state = page.getByTestId('agent-state');
    assert.equal(await state.innerText(), 'Clipboard: no agent answered');
    await state.click();
    const panel = page.getByTestId('clipboard-panel');
    await panel.waitFor();
    await page.waitForTimeout(400);
    assert.match(await panel.innerText(), /No clipboard agent in the guest has answered yet\. Install and run spice-vdagent/);
    assert.match(await panel.innerText(), /Types the host's clipboard text into the guest as key presses/);
    assert.match(await panel.innerText(), /Copies the text on the guest's screen/);
    assert.match(await panel.innerText(), /Turn it on in Settings → Serial/);
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'clipboard-panel-no-agent-1280.png') });
    await panel.getByRole('button', { name: 'Type clipboard text' }).click();
    assert.ok((await calls(page)).some((call) => call.name === 'type-clipboard'));
    await state.click();
    await page.getByTestId('clipboard-panel').getByRole('button', { name: 'Set up serial…' }).click();
    assert.ok((await calls(page)).some((call) => call.name === 'settings' && call.value === 'Serial'));

    await mount(page, 'status-bar', { engine: 'qemu', accelerator: 'kvm', clipboardMode: 'bidirectional', agentConnected: true, serialEnabled: true });
    assert.equal(await page.getByTestId('agent-state').innerText(), 'Clipboard agent connected');
    await page.getByTestId('agent-state').click();
    assert.match(await page.getByTestId('clipboard-panel').innerText(), /agent answered: copied text is shared both ways/);
    await page.getByTestId('clipboard-panel').getByRole('button', { name: 'Serial console' }).click();
    assert.ok((await calls(page)).some((call) => call.name === 'show-serial'));
    assert.deepEqual(pageErrors(page), []);
  });

  test('v86 offers no agent: the status bar and Settings → Clipboard say so and offer only Off', async () => {
    const page = pages.large as Page;
    await mount(page, 'status-bar', { engine: 'v86', accelerator: 'v86-jit', clipboardMode: 'bidirectional' });
    assert.equal(await page.getByTestId('agent-state').innerText(), 'Clipboard: no agent (v86)');
    await page.getByTestId('agent-state').click();
    assert.match(await page.getByTestId('clipboard-panel').innerText(), /v86 has no clipboard agent/);
    await page.keyboard.press('Escape');

    await mount(page, 'settings-clipboard', { engine: 'v86', clipboardMode: 'bidirectional' });
    const tab = page.getByTestId('clipboard-tab');
    await tab.waitFor();
    assert.match(await tab.innerText(), /v86 has no clipboard agent, so nothing is shared/);
    assert.equal(await page.locator('[data-testid="clipboard-tab"] input[data-field="clipboard"]').inputValue(), 'off');
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'settings-clipboard-v86-1280.png') });
    await tab.getByRole('button', { name: 'Turn off' }).click();
    await page.getByRole('button', { name: 'Save' }).click();
    const saved = (await calls(page)).find((call) => call.name === 'save')?.value as { clipboard?: string } | undefined;
    assert.equal(saved?.clipboard, 'off');

    // QEMU offers every mode. A running machine gets its agent channel only at start, so turning
    // sharing on waits for a restart (settings-model.test.ts); a new direction does not.
    await mount(page, 'settings-clipboard', { engine: 'qemu', clipboardMode: 'off', running: true });
    await page.getByRole('combobox', { name: 'Shared clipboard' }).click();
    const options = await page.getByRole('option').allInnerTexts();
    assert.deepEqual(options, ['Off', 'Host to guest', 'Guest to host', 'Both directions']);
    await page.getByRole('option', { name: 'Both directions' }).click();
    await page.getByTestId('power-cycle-notice').filter({ hasText: 'Clipboard' }).waitFor({ timeout: 10_000 });
    await mount(page, 'settings-clipboard', { engine: 'qemu', clipboardMode: 'host-to-guest', running: true });
    await page.getByRole('combobox', { name: 'Shared clipboard' }).click();
    await page.getByRole('option', { name: 'Both directions' }).click();
    assert.equal(await page.getByTestId('power-cycle-notice').count(), 0, 'no restart asked for a new direction');
    await page.getByRole('button', { name: 'Save' }).click();
    assert.equal(((await calls(page)).find((call) => call.name === 'save')?.value as { clipboard?: string } | undefined)?.clipboard, 'bidirectional');
    assert.deepEqual(pageErrors(page), []);
  });

  test('a TCG fallback shows its reason in the status bar, with "Try KVM again"', async () => {
    for (const [size, page] of Object.entries(pages)) {
      await mount(page, 'status-bar', { engine: 'qemu', accelerator: 'tcg', acceleratorReason: tcgReason, clipboardMode: 'bidirectional', agentConnected: false, recheckAnswer: 'KVM is still not usable: /dev/kvm is missing.' });
      const label = page.getByTestId('accelerator');
      assert.equal(await label.innerText(), 'QEMU · TCG');
      await assertNoOverflow(page, `status bar at ${size}`);
      await page.screenshot({ path: join(SCREENSHOT_DIR, `status-bar-tcg-${size}.png`) });
      await label.click();
      const details = page.getByTestId('accelerator-details');
      await details.waitFor();
      assert.match(await details.innerText(), /QEMU runs on TCG, not KVM/);
      assert.match(await details.innerText(), /KVM was found unusable on this host: a probe guest did not finish/);
      // The popover fades in: let it finish before the picture.
      await page.waitForTimeout(400);
      await page.screenshot({ path: join(SCREENSHOT_DIR, `status-bar-tcg-reason-${size}.png`) });
      await details.getByRole('button', { name: 'Try KVM again' }).click();
      await page.getByTestId('kvm-recheck-outcome').waitFor();
      assert.equal(await page.getByTestId('kvm-recheck-outcome').innerText(), 'KVM is still not usable: /dev/kvm is missing.');
      assert.ok((await calls(page)).some((call) => call.name === 'recheck'));
      await page.keyboard.press('Escape');
    }
    // TCG chosen in the settings: explained, nothing to retry.
    const page = pages.large as Page;
    await mount(page, 'status-bar', { engine: 'qemu', accelerator: 'tcg', acceleratorReason: 'TCG was chosen in the machine settings' });
    await page.getByTestId('accelerator').click();
    assert.match(await page.getByTestId('accelerator-details').innerText(), /The machine's settings decide this/);
    assert.equal(await page.getByRole('button', { name: 'Try KVM again' }).count(), 0);
    await page.keyboard.press('Escape');
    // KVM: a plain label.
    await mount(page, 'status-bar', { engine: 'qemu', accelerator: 'kvm' });
    assert.equal(await page.getByTestId('accelerator').innerText(), 'QEMU · KVM');
    assert.equal(await page.getByRole('button', { name: /QEMU · KVM/ }).count(), 0);
  });

  test('the manager details show the accelerator and why, with "Try KVM again"', async () => {
    for (const [size, page] of Object.entries(pages)) {
      await mount(page, 'manager-accelerator', { engine: 'qemu', state: 'running', info: { running: { accelerator: 'tcg', reason: tcgReason }, host: { kvmDevice: true, kvmUnusable: { reason: 'a probe guest did not finish within 8000 ms under kvm (too slow)', at: '2026-12-01T10:00:00.000Z' } } }, recheckAnswer: 'KVM works on this host now. Power the machine off and start it again to use it.' });
      const row = page.getByTestId('details-accelerator');
      await row.waitFor();
      assert.match(await row.innerText(), /QEMU · TCG — KVM was found unusable on this host: a probe guest did not finish/);
      await row.scrollIntoViewIfNeeded();
      await page.screenshot({ path: join(SCREENSHOT_DIR, `manager-accelerator-${size}.png`) });
      await row.getByRole('button', { name: 'Try KVM again' }).click();
      await page.getByTestId('details-kvm-outcome').waitFor();
      assert.match(await page.getByTestId('details-kvm-outcome').innerText(), /KVM works on this host now/);
    }
    const page = pages.large as Page;
    await mount(page, 'manager-accelerator', { engine: 'qemu', state: 'stopped', info: { host: { kvmDevice: false } } });
    assert.match(await page.getByTestId('details-accelerator').innerText(), /TCG at the next start — \/dev\/kvm is missing/);
    await mount(page, 'manager-accelerator', { engine: 'qemu', state: 'stopped', forceTcg: true, info: { host: { kvmDevice: true } } });
    assert.equal(await page.getByTestId('details-accelerator').innerText(), 'TCG (forced in the machine settings)');
    await mount(page, 'manager-accelerator', { engine: 'v86', state: 'stopped' });
    assert.match(await page.getByTestId('details-accelerator').innerText(), /v86 · JIT/);
    assert.deepEqual(pageErrors(page), []);
  });
});
