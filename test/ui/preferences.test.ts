/**
 * The Preferences dialog in real Chromium, inside the whole app (the `electron-manager` fixture:
 * App on the fake Electron bridge, which records every API call): defaults when nothing is
 * stored, stored values loaded, changes written with settings.set under the keys the core reads,
 * the theme applied at once (and undone by Cancel), validation, and API errors shown.
 */
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { openComponentPage, pageErrors, SCREENSHOT_DIR, startHarness } from './harness.js';
import type { UiHarness } from './harness.js';

interface BridgeCall {
  name: string;
  args: { key?: string; value?: unknown } | null;
}

const LIGHT_BACKGROUND = 'rgb(255, 255, 255)';
const DARK_BACKGROUND = 'rgb(18, 18, 18)';

const mount = (page: Page, fixture: string) =>
  page.evaluate((name) => (globalThis as unknown as { hangarTest: { mount(n: string, o: unknown): void } }).hangarTest.mount(name, {}), fixture);
const settingWrites = async (page: Page) =>
  (await page.evaluate(() => (globalThis as unknown as { hangarBridge: { calls: BridgeCall[] } }).hangarBridge.calls))
    .filter((call) => call.name === 'settings.set')
    .map((call) => ({ key: call.args?.key, value: call.args?.value }));
const background = (page: Page) =>
  page.evaluate(() => {
    const browser = globalThis as unknown as { getComputedStyle(element: unknown): { backgroundColor: string }; document: { body: unknown } };
    return browser.getComputedStyle(browser.document.body).backgroundColor;
  });

/**
 * Replaces the fake bridge's answers to settings.get / settings.set: `stored` values are read
 * back, and `failSet` makes every write fail with that description.
 */
const overrideSettings = (page: Page, stored: Record<string, unknown>, failSet?: string) =>
  page.evaluate(
    ([values, failure]) => {
      type Bridge = { call(name: string, args: unknown): Promise<unknown> };
      const bridge = (globalThis as unknown as { hangar: Bridge }).hangar;
      const original = bridge.call.bind(bridge);
      bridge.call = async (name, args) => {
        const answer = await original(name, args);
        const key = (args as { key?: string }).key ?? '';
        if (name === 'settings.get' && key in (values as Record<string, unknown>)) return { ok: true, value: { key, value: (values as Record<string, unknown>)[key] } };
        if (name === 'settings.set' && failure) return { ok: false, error: { class: 'Unavailable', desc: failure } };
        return answer;
      };
    },
    [stored, failSet ?? ''] as const,
  );

async function until<T>(what: string, probe: () => Promise<T>, ok: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = await probe();
  while (!ok(last)) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}; last value ${JSON.stringify(last)}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
    last = await probe();
  }
  return last;
}

describe('Preferences dialog in Chromium', { timeout: 240_000 }, () => {
  let harness: UiHarness;
  let page: Page;

  before(async () => {
    harness = await startHarness();
    page = await harness.newPage({ colorScheme: 'light' });
    await openComponentPage(harness, page);
    await mkdir(SCREENSHOT_DIR, { recursive: true });
  });
  after(async () => {
    await harness?.close();
  });

  const dialog = () => page.getByRole('dialog', { name: 'Preferences' });
  const openWithKeyboard = async (): Promise<void> => {
    const button = page.getByRole('button', { name: 'Preferences' });
    await button.focus();
    await page.keyboard.press('Enter');
    await dialog().getByRole('radiogroup', { name: 'Theme' }).getByRole('radio').first().and(page.locator(':enabled')).waitFor();
  };

  test('defaults shown; a change is saved under the right keys; the theme applies at once', async () => {
    await mount(page, 'electron-manager');
    await page.getByRole('button', { name: /Electron VM/ }).waitFor();
    assert.equal(await background(page), LIGHT_BACKGROUND, 'follows the (light) system scheme when nothing is stored');
    await openWithKeyboard();
    const prefs = dialog();
    assert.equal(await prefs.getByRole('radio', { name: /^shut down \(ACPI power button\)/ }).isChecked(), true);
    assert.equal(await prefs.getByLabel('Power off after (seconds)').inputValue(), '20');
    assert.equal(await prefs.getByRole('combobox', { name: /Host key/ }).innerText(), 'Right Ctrl');
    assert.equal(await prefs.getByRole('radio', { name: 'Follow the system' }).isChecked(), true);
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'preferences-defaults.png') });

    // Keyboard: arrows move within the quit-action radio group.
    await prefs.getByRole('radio', { name: /^shut down/ }).focus();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    assert.equal(await prefs.getByRole('radio', { name: /^saved/ }).isChecked(), true);
    await prefs.getByLabel('Power off after (seconds)').fill('45');
    await prefs.getByRole('combobox', { name: /Host key/ }).click();
    await page.getByRole('option', { name: 'Scroll Lock' }).click();
    await prefs.getByRole('radio', { name: 'Dark' }).check();
    await until('the dark background', () => background(page), (colour) => colour === DARK_BACKGROUND);
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'preferences-dark.png') });
    assert.deepEqual(await settingWrites(page), [], 'nothing is written before Save');
    await prefs.getByRole('button', { name: 'Save' }).click();
    await prefs.waitFor({ state: 'detached' });
    assert.deepEqual(await settingWrites(page), [
      { key: 'app.quitAction', value: 'save' },
      { key: 'app.quitTimeoutSeconds', value: 45 },
      { key: 'ui.hostKey', value: 'ScrollLock' },
      { key: 'ui.theme', value: 'dark' },
    ]);
    assert.equal(await background(page), DARK_BACKGROUND, 'the saved theme stays');
    await page.getByText('Preferences saved.').waitFor();
    assert.deepEqual(pageErrors(page), []);
  });

  test('stored values are loaded; Cancel undoes the theme preview and writes nothing', async () => {
    await mount(page, 'electron-manager');
    // The app's own read of ui.theme goes to the plain fake (nothing stored: light); the dialog's reads get the stored values.
    const bridgeCalls = () => page.evaluate(() => (globalThis as unknown as { hangarBridge: { calls: BridgeCall[] } }).hangarBridge.calls);
    await until('the app reading ui.theme', bridgeCalls, (list) => list.some((call) => call.name === 'settings.get' && call.args?.key === 'ui.theme'));
    await overrideSettings(page, { 'app.quitAction': 'poweroff', 'app.quitTimeoutSeconds': 5, 'ui.hostKey': 'AltRight', 'ui.theme': 'dark' });
    await page.getByRole('button', { name: /Electron VM/ }).waitFor();
    await page.keyboard.press('Control+Comma');
    const prefs = dialog();
    await prefs.getByRole('radio', { name: 'Dark' }).and(page.locator(':checked')).waitFor();
    assert.equal(await prefs.getByRole('radio', { name: 'powered off at once' }).isChecked(), true);
    assert.equal(await prefs.getByLabel('Power off after (seconds)').inputValue(), '5');
    assert.equal(await prefs.getByLabel('Power off after (seconds)').isDisabled(), true, 'no timeout when powering off at once');
    assert.equal(await prefs.getByRole('combobox', { name: /Host key/ }).innerText(), 'Right Alt');
    assert.equal(await background(page), LIGHT_BACKGROUND);
    await prefs.getByRole('radio', { name: 'Light' }).check();
    await prefs.getByRole('radio', { name: 'Dark' }).check();
    await until('the dark preview', () => background(page), (colour) => colour === DARK_BACKGROUND);
    await prefs.getByRole('button', { name: 'Cancel' }).click();
    await prefs.waitFor({ state: 'detached' });
    // Cancel goes back to the theme in use when the dialog opened (light), not the stored one.
    assert.equal(await background(page), LIGHT_BACKGROUND);
    assert.deepEqual(await settingWrites(page), []);
  });

  test('a bad timeout blocks Save; an API error is shown and the dialog keeps the choices', async () => {
    await mount(page, 'electron-manager');
    await overrideSettings(page, {}, 'The library database is read-only.');
    await page.getByRole('button', { name: /Electron VM/ }).waitFor();
    await openWithKeyboard();
    const prefs = dialog();
    const timeout = prefs.getByLabel('Power off after (seconds)');
    await timeout.fill('900');
    await prefs.getByText('Enter whole seconds from 0 to 600.').waitFor();
    assert.equal(await prefs.getByRole('button', { name: 'Save' }).isDisabled(), true);
    await timeout.fill('30');
    await page.keyboard.press('Enter');
    await prefs.getByTestId('preferences-error').filter({ hasText: 'The library database is read-only.' }).waitFor();
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'preferences-error.png') });
    assert.equal(await timeout.inputValue(), '30', 'what was typed stays');
    assert.equal(await prefs.isVisible(), true);
    await prefs.getByRole('button', { name: 'Cancel' }).click();
    await prefs.waitFor({ state: 'detached' });
  });
});
