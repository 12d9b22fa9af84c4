/**
 * The clipboard entries of the engine protocol: present in the merged tables, documented, and
 * validating what the QEMU backend accepts and emits.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Schema } from '../../src/shared/protocol/schema.js';
import { validate as validateSchema } from '../../src/shared/protocol/schema.js';
import { engineCommands, engineEvents } from '../../src/shared/protocol/engine/index.js';

const commands = engineCommands as unknown as Record<string, { doc: string; since: string; args: Schema; returns: Schema }>;
// Widened: checking `validate`'s generic result type against these tables exceeds TypeScript's depth limit.
const validate = validateSchema as unknown as (schema: Schema, value: unknown) => { ok: boolean };
const events = engineEvents as unknown as Record<string, { doc: string; since: string; data: Schema }>;

describe('clipboard protocol entries', () => {
  it('are merged into the engine protocol with docs and since 0.1', () => {
    for (const name of ['clipboard-set', 'query-clipboard']) {
      assert.ok(commands[name], `${name} is a command`);
      assert.equal(commands[name].since, '0.1');
      assert.ok(commands[name].doc.length > 20);
    }
    for (const name of ['CLIPBOARD_CHANGED', 'CLIPBOARD_AGENT']) {
      assert.ok(events[name], `${name} is an event`);
      assert.equal(events[name].since, '0.1');
    }
  });

  it('validate arguments, returns and event data', () => {
    assert.equal(validate(commands['clipboard-set']!.args, { text: 'hello' }).ok, true);
    assert.equal(validate(commands['clipboard-set']!.args, {}).ok, false, 'text is required');
    assert.equal(validate(commands['clipboard-set']!.args, { text: 5 }).ok, false);
    assert.equal(validate(commands['clipboard-set']!.args, { text: 'x'.repeat((1 << 20) + 1) }).ok, false, 'size limit');
    assert.equal(validate(commands['query-clipboard']!.returns, { enabled: true, attached: false }).ok, true);
    assert.equal(validate(commands['query-clipboard']!.returns, { enabled: true }).ok, false);
    assert.equal(validate(events.CLIPBOARD_CHANGED!.data, { text: 'copied' }).ok, true);
    assert.equal(validate(events.CLIPBOARD_AGENT!.data, { attached: false, reason: 'snapshot-save "a"' }).ok, true);
    assert.equal(validate(events.CLIPBOARD_AGENT!.data, { attached: 'no', reason: 'x' }).ok, false);
  });
});
