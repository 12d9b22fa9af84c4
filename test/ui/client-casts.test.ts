/**
 * The renderer's API client has no type casts: its values are typed by the schema check every
 * reply goes through (src/shared/protocol/api/client.ts), so a wrong assumption about a reply is
 * a compile error or a reported mismatch, never a silent one. The lint rule behind it
 * (eslint.config.js) is proven active on a cast, and the real files are linted.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';

const root = fileURLToPath(new URL('../..', import.meta.url));
const eslint = new ESLint({ cwd: root });
const clientFiles = ['src/renderer/platform/client.ts', 'src/renderer/platform/api-mapping.ts', 'src/renderer/platform/models.ts'];

/** The type-assertion findings ESLint gives `source` as the file at `path`. */
async function castFindings(path: string, source?: string): Promise<string[]> {
  const [result] = source === undefined ? await eslint.lintFiles([join(root, path)]) : await eslint.lintText(source, { filePath: join(root, path) });
  assert.ok(result, `ESLint gave no result for ${path}`);
  return result.messages.filter((message) => message.ruleId === '@typescript-eslint/consistent-type-assertions').map((message) => `${path}:${message.line} ${message.message}`);
}

test('a cast in the renderer client files is a lint error; `as const` is not a cast', async () => {
  for (const path of clientFiles) {
    assert.equal((await castFindings(path, 'export const row = JSON.parse("{}") as { id: string };\n')).length, 1, `${path} must refuse an "as" cast`);
    assert.equal((await castFindings(path, 'export const row = <{ id: string }>JSON.parse("{}");\n')).length, 1, `${path} must refuse an angle-bracket cast`);
    assert.deepEqual(await castFindings(path, "export const slots = ['cd0', 'fd0'] as const;\n"), []);
  }
});

test('the renderer client files have no casts', async () => {
  for (const path of clientFiles) assert.deepEqual(await castFindings(path), []);
});
