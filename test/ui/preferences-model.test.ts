/**
 * App preferences without a browser: stored values are understood as the Electron quit path
 * understands them (same keys, same defaults, same timeout limits), only changed keys are written,
 * and API errors come back unchanged. The client is a stand-in for our own settings interface.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { quitActionKey, quitTimeoutKey, readQuitPlan } from '../../src/main/electron/quit.js';
import type { ApiResult } from '../../src/shared/protocol/api/index.js';
import type { SettingsAccess } from '../../src/renderer/features/preferences/preferences-model.js';
import { defaultPreferences, loadPreferences, parsePreferences, preferenceKeys, quitActionChoices, savePreferences, timeoutProblem } from '../../src/renderer/features/preferences/preferences-model.js';

/** A client answering settings.get from `stored` and recording settings.set; `failKey` fails that key. */
function settingsClient(stored: Record<string, unknown>, failKey?: string) {
  const writes: { key: string; value: unknown }[] = [];
  const client: SettingsAccess = {
    async readSetting(key: string): Promise<ApiResult<unknown>> {
      if (key === failKey) return { ok: false, error: { class: 'Unavailable', desc: 'The app core is not running.' } };
      return { ok: true, value: stored[key] ?? null };
    },
    async setSetting(key: string, value: unknown): Promise<ApiResult<unknown>> {
      if (key === failKey) return { ok: false, error: { class: 'Unavailable', desc: 'The library database is read-only.' } };
      writes.push({ key, value });
      stored[key] = value;
      return { ok: true, value: {} };
    },
  };
  return { client, writes };
}

/** The quit plan the Electron shell would make from these stored settings. */
const quitPlan = (stored: Record<string, unknown>) =>
  readQuitPlan({ call: async (_name, args) => ({ ok: true, value: { value: stored[(args as { key: string }).key] ?? null } }), subscribe: () => () => undefined });

test('preferences: the quit keys and defaults are the ones the quit path reads', async () => {
  assert.equal(preferenceKeys.quitAction, quitActionKey);
  assert.equal(preferenceKeys.quitTimeoutSeconds, quitTimeoutKey);
  assert.deepEqual(await quitPlan({}), { action: defaultPreferences.quitAction, timeoutMs: defaultPreferences.quitTimeoutSeconds * 1000 });
  for (const [action] of quitActionChoices) {
    assert.equal((await quitPlan({ [quitActionKey]: action, [quitTimeoutKey]: 600 })).action, action, `the quit path honours "${action}"`);
  }
  assert.equal((await quitPlan({ [quitTimeoutKey]: 600 })).timeoutMs, 600_000, 'the largest timeout the dialog allows is honoured');
  assert.equal(timeoutProblem('600'), undefined);
  assert.equal(timeoutProblem('0'), undefined);
  for (const bad of ['601', '-1', '2.5', '', 'soon']) assert.match(timeoutProblem(bad) ?? '', /whole seconds from 0 to 600/, bad);
});

test('preferences: unknown stored values give the defaults', () => {
  assert.deepEqual(parsePreferences({}), defaultPreferences);
  assert.deepEqual(parsePreferences({ quitAction: 'explode', quitTimeoutSeconds: 9000, hostKey: 7, theme: 'sepia' }), defaultPreferences);
  assert.deepEqual(parsePreferences({ quitAction: 'save', quitTimeoutSeconds: 0, hostKey: 'ScrollLock', theme: 'light' }), { quitAction: 'save', quitTimeoutSeconds: 0, hostKey: 'ScrollLock', theme: 'light' });
});

test('preferences: load reads every key; save writes only what changed; errors come back', async () => {
  const { client, writes } = settingsClient({ 'app.quitAction': 'poweroff', 'ui.theme': 'dark' });
  const loaded = await loadPreferences(client);
  assert.deepEqual(loaded, { ok: true, value: { ...defaultPreferences, quitAction: 'poweroff', theme: 'dark' } });
  if (!loaded.ok) return;
  const saved = await savePreferences(client, loaded.value, { ...loaded.value, quitTimeoutSeconds: 45, theme: 'light' });
  assert.deepEqual(saved, { ok: true, value: ['app.quitTimeoutSeconds', 'ui.theme'] });
  assert.deepEqual(writes, [
    { key: 'app.quitTimeoutSeconds', value: 45 },
    { key: 'ui.theme', value: 'light' },
  ]);

  const failing = settingsClient({}, 'ui.hostKey');
  assert.deepEqual(await loadPreferences(failing.client), { ok: false, error: { class: 'Unavailable', desc: 'The app core is not running.' } });
  const result = await savePreferences(failing.client, defaultPreferences, { ...defaultPreferences, quitAction: 'save', hostKey: 'AltRight', theme: 'dark' });
  assert.deepEqual(result, { ok: false, error: { class: 'Unavailable', desc: 'The library database is read-only.' } });
  assert.deepEqual(failing.writes, [{ key: 'app.quitAction', value: 'save' }], 'stops at the first failure');
});
