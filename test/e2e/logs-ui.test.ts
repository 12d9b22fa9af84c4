/**
 * The VM window's Logs tab end to end in Debian's Chromium through the web shell, with a real app
 * core and the Linux test guest on QEMU (serial port "console", so it keeps a serial log): the
 * engine log shows the run (state lines) and follows new lines as they are written (a pause and
 * resume from the API appear without a reload, scrolled to the end); search counts and marks
 * matches and can show only them; the serial log shows the guest's boot markers; at a small
 * window nothing overflows sideways; after the engine is killed the crash notice's "Show log"
 * opens the Logs tab at the crash line with the lines before it marked, and so does "Show log" in the
 * manager's details (a dialog). Screenshots at 1280×800
 * and 700×480 go to test-artifacts/e2e-logs/.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { HangarCore } from '../../src/main/core/hangar-core.js';
import type { CoreEvent } from '../../src/main/core/hangar-core.js';
import type { WebShell } from '../../src/main/web/index.js';
import { numberedShots, openVmPage, openWebSession, prepareSuite, until } from '../support/web-e2e.js';
import type { WebSession } from '../support/web-e2e.js';
import { ensureGuestIso } from '../support/linux-guest.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const ARTIFACTS = join(root, 'test-artifacts', 'e2e-logs');

/** The sizes of a scrolling element read in the page (the tests are compiled without the DOM library). */
interface Extent {
  scrollTop: number;
  scrollHeight: number;
  clientHeight: number;
  scrollWidth: number;
  clientWidth: number;
}

describe('the Logs tab in Chromium through the web shell, with the Linux guest on QEMU', { timeout: 900_000 }, () => {
  let work: string;
  let core: HangarCore;
  let shell: WebShell;
  let session: WebSession | undefined;
  let context: BrowserContext;
  let page: Page;
  let machineId: string;
  const events: CoreEvent[] = [];
  const errors: string[] = [];

  const shot = numberedShots(ARTIFACTS);
  const shoot = (name: string): Promise<void> => shot(page, name);
  const serialText = (): string =>
    events
      .filter((event) => event.event === 'SERIAL_OUTPUT')
      .map((event) => Buffer.from((event.data as { data: string }).data, 'base64').toString('latin1'))
      .join('');
  const logText = (): Promise<string> => page.getByTestId('log-lines').innerText();

  before(async () => {
    const iso = ensureGuestIso();
    let rendererDir: string;
    ({ work, rendererDir } = await prepareSuite('hangar-e2e-logs-', ARTIFACTS));
    core = await HangarCore.open({ folder: join(work, 'home') });
    core.subscribe((event) => events.push(event));
    const created = await core.call('machines.create', { name: 'Logged', osId: 'other', engine: 'qemu', memoryMib: 256, cdrom: iso, bootOrder: ['cdrom'], serialEnabled: true, network: { mode: 'none' } });
    assert.ok(created.ok, JSON.stringify(created));
    machineId = (created.value as { id: string }).id;
    const started = await core.call('vm.start', { id: machineId });
    assert.ok(started.ok, JSON.stringify(started));
    await until('the guest\'s ready marker', async () => serialText(), (text) => /hangar-guest: ready/.test(text), 300_000, 500);
    session = await openWebSession(core, rendererDir, { viewport: { width: 1280, height: 800 } });
    ({ shell, context } = session);
    page = await openVmPage(session, machineId, errors);
  });

  after(async () => {
    await session?.close();
    await core?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  test('the engine log follows the run: a pause and resume appear without a reload, at the end', async () => {
    await page.getByRole('tab', { name: 'Logs' }).click();
    await page.getByTestId('logs-view').waitFor();
    await until('the engine log with the running state', logText, (text) => /\[hangar\] state: running/.test(text) && /\[engine\] qemu: accelerator /.test(text), 30_000);
    assert.equal(await page.getByLabel('Follow', { exact: true }).isChecked(), true, 'a running machine\'s log is followed');
    // Each step waits for the engine's state to show: the log's state lines are the engine's word.
    assert.ok((await core.call('vm.pause', { id: machineId })).ok);
    await until('the pause in the followed log', logText, (text) => /\[hangar\] command stop[^]*\[hangar\] state: paused/.test(text), 30_000);
    assert.ok((await core.call('vm.resume', { id: machineId })).ok);
    await until('the resume in the followed log', logText, (text) => /\[hangar\] command stop[^]*\[hangar\] state: paused[^]*\[hangar\] command cont[^]*\[hangar\] state: running/.test(text), 30_000);
    const atEnd = await page.getByTestId('log-lines').evaluate((element) => {
      const box = element as unknown as Extent;
      return box.scrollTop + box.clientHeight >= box.scrollHeight - 4;
    });
    assert.ok(atEnd, 'following keeps the end in view');
    assert.match(await page.getByTestId('log-path').innerText(), /logs\/engine\.log$/);
    await shoot('engine-log-following');
  });

  test('search counts and marks matches, steps through them and can show only them', async () => {
    await page.getByRole('textbox', { name: 'Search the log' }).fill('STATE:');
    const count = await until('the match count', () => page.getByTestId('log-match-count').innerText(), (text) => /^1 of \d+$/.test(text), 10_000);
    const total = Number(/of (\d+)/.exec(count)?.[1]);
    assert.ok(total >= 3, `running, paused, running: ${count}`);
    assert.equal(await page.locator('[data-testid="log-lines"] mark').count() >= total, true, 'every match is marked');
    await page.getByRole('button', { name: 'Next', exact: true }).click();
    await page.getByTestId('log-match-count').filter({ hasText: `2 of ${total}` }).waitFor();
    assert.match(await page.locator('[data-testid="log-lines"] [aria-current="true"]').innerText(), /state:/);
    await page.getByLabel('Only matches', { exact: true }).check();
    const rows = await page.locator('[data-testid="log-lines"] [data-line]').allInnerTexts();
    assert.equal(rows.length, total);
    for (const row of rows) assert.match(row, /state:/i);
    await shoot('engine-log-search-only-matches');
    await page.getByLabel('Only matches', { exact: true }).uncheck();
    await page.getByRole('textbox', { name: 'Search the log' }).fill('');
  });

  test('the serial log shows the guest\'s COM1 output; a small window does not overflow', async () => {
    await page.getByRole('button', { name: 'Serial log' }).click();
    await until('the guest\'s markers in the serial log', logText, (text) => /hangar-guest: booted[^]*hangar-guest: ready/.test(text), 30_000);
    assert.match(await page.getByTestId('log-path').innerText(), /logs\/serial\.log$/);
    await shoot('serial-log');
    await page.setViewportSize({ width: 700, height: 480 });
    await page.getByRole('button', { name: 'Engine log' }).click();
    await until('the engine log again', logText, (text) => text.includes('[hangar] engine started: qemu'), 10_000);
    for (const testId of ['logs-view', 'log-lines']) {
      const { scrollWidth, clientWidth } = await page.getByTestId(testId).evaluate((element) => {
        const box = element as unknown as Extent;
        return { scrollWidth: box.scrollWidth, clientWidth: box.clientWidth };
      });
      assert.ok(scrollWidth <= clientWidth, `${testId} does not overflow sideways at 700×480: ${scrollWidth} > ${clientWidth}`);
    }
    const toolbar = await page.getByRole('toolbar', { name: 'Log tools' }).evaluate((element) => {
        const box = element as unknown as Extent;
        return { scrollWidth: box.scrollWidth, clientWidth: box.clientWidth };
      });
    assert.ok(toolbar.scrollWidth <= toolbar.clientWidth, `the tools wrap: ${JSON.stringify(toolbar)}`);
    await shoot('engine-log-small-window');
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  test('after a crash, "Show log" opens the Logs tab at the crash line with the lines before it marked', async () => {
    await page.getByRole('tab', { name: 'Display' }).click();
    const pid = core.supervisor.session(machineId)?.channel.pid;
    assert.ok(pid !== undefined, 'the engine runs');
    process.kill(pid, 'SIGKILL');
    const notice = page.getByRole('alert').filter({ hasText: 'The machine crashed' });
    await notice.waitFor({ timeout: 60_000 });
    await shoot('crash-notice');
    await notice.getByRole('button', { name: 'Show log' }).click();
    await page.getByTestId('logs-view').waitFor();
    assert.equal(await page.getByRole('tab', { name: 'Logs' }).getAttribute('aria-selected'), 'true');
    const crashLine = page.locator('[data-testid="log-lines"] [data-crash="true"]');
    await crashLine.waitFor({ timeout: 30_000 });
    assert.match(await crashLine.innerText(), /\[hangar\] (engine exited \(killed by signal SIGKILL\); crashed: |state: crashed: )/);
    await page.getByTestId('log-crash-note').waitFor();
    // The crash line is in view (centred), not merely somewhere in the list.
    await until(
      'the crash line scrolled into view',
      async () => {
        const [line, box] = await Promise.all([crashLine.boundingBox(), page.getByTestId('log-lines').boundingBox()]);
        return line && box ? line.y >= box.y && line.y + line.height <= box.y + box.height : false;
      },
      (inView) => inView,
      10_000,
    );
    assert.equal(await page.getByLabel('Follow', { exact: true }).isChecked(), false, 'a crashed machine\'s log is not followed');
    await shoot('crash-show-log');
  });

  test('the manager\'s details of the crashed machine have "Show log": a dialog at the crash line', async () => {
    const manager = await context.newPage();
    manager.on('pageerror', (error) => errors.push(error.message));
    await manager.goto(shell.url, { timeout: 60_000 });
    await manager.locator(`[data-machine-id="${machineId}"]`).click();
    await manager.getByTestId('details-state').filter({ hasText: 'Crashed' }).waitFor({ timeout: 30_000 });
    await manager.getByRole('button', { name: 'Show log' }).click();
    const dialog = manager.getByRole('dialog', { name: 'Logs of Logged' });
    const crashLine = dialog.locator('[data-crash="true"]');
    await crashLine.waitFor({ timeout: 30_000 });
    assert.match(await crashLine.innerText(), /crashed: /);
    await until(
      'the crash line scrolled into view in the dialog',
      async () => {
        const [line, box] = await Promise.all([crashLine.boundingBox(), dialog.getByTestId('log-lines').boundingBox()]);
        return line && box ? line.y >= box.y && line.y + line.height <= box.y + box.height : false;
      },
      (inView) => inView,
      10_000,
    );
    await shot(manager, 'manager-crash-log-dialog');
    await dialog.getByRole('button', { name: 'Close' }).click();
    await dialog.waitFor({ state: 'detached' });
    await manager.close();
    assert.deepEqual(errors, [], 'no page errors');
  });
});
