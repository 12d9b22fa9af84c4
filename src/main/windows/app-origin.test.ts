import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { contentSecurityPolicy, isAppUrl, serveAppRequest } from './app-origin.js';

const dir = mkdtempSync(join(tmpdir(), 'hangar-app-origin-'));
const renderer = join(dir, 'renderer');
mkdirSync(join(renderer, 'assets'), { recursive: true });
mkdirSync(join(renderer, 'testing'), { recursive: true });
writeFileSync(join(renderer, 'index.html'), '<!doctype html><title>Hangar UI</title>');
writeFileSync(join(renderer, 'assets', 'app.js'), 'console.log(1)');
writeFileSync(join(renderer, 'testing', 'components.html'), 'harness');
writeFileSync(join(dir, 'secret.txt'), 'secret');
after(() => rmSync(dir, { recursive: true, force: true }));

const get = (url: string, init?: RequestInit): Promise<Response> => serveAppRequest(new Request(url, init), renderer);

test('app URLs: only hangar://app, not look-alikes', () => {
  assert.equal(isAppUrl('hangar://app/index.html#/vm/1'), true);
  assert.equal(isAppUrl('hangar://app.evil/index.html'), false);
  assert.equal(isAppUrl('hangar://evil/'), false);
  assert.equal(isAppUrl('https://app/'), false);
  assert.equal(isAppUrl('not a url'), false);
});

test('files of the renderer with their type and the CSP; nothing else', async () => {
  const page = await get('hangar://app/index.html');
  assert.equal(page.status, 200);
  assert.match(await page.text(), /Hangar UI/);
  assert.equal(page.headers.get('content-security-policy'), contentSecurityPolicy);
  const script = await get('hangar://app/assets/app.js');
  assert.equal(script.headers.get('content-type'), 'text/javascript; charset=utf-8');
  assert.equal((await get('hangar://app/')).status, 200);
  assert.equal((await get('hangar://app/../secret.txt')).status, 404);
  assert.equal((await get('hangar://app/%2e%2e/secret.txt')).status, 404);
  assert.equal((await get('hangar://app/..%2fsecret.txt')).status, 404);
  assert.equal((await get('hangar://app/testing/components.html')).status, 404);
  assert.equal((await get('hangar://app/missing.js')).status, 404);
  assert.equal((await get('hangar://app/index.html', { method: 'POST', body: 'x' })).status, 404);
});

test('without a built UI the page says how to build it', async () => {
  const page = await serveAppRequest(new Request('hangar://app/index.html'), join(dir, 'missing'));
  assert.equal(page.status, 200);
  assert.match(await page.text(), /npm run build:renderer/);
});
