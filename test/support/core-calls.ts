/** App API calls on a real HangarCore in tests, asserting success or failure. */
import assert from 'node:assert/strict';
import type { HangarCore } from '../../src/main/core/hangar-core.js';

/** `ok` returns a call's value (asserting it succeeded); `failure` returns its error (asserting it failed). */
export function coreCalls(core: () => HangarCore): {
  ok<T>(name: string, args: unknown): Promise<T>;
  failure(name: string, args: unknown): Promise<{ class: string; desc: string }>;
} {
  return {
    async ok<T>(name: string, args: unknown): Promise<T> {
      const result = await core().call(name, args);
      assert.equal(result.ok, true, `${name}: ${JSON.stringify(result)}`);
      return (result as { value: T }).value;
    },
    async failure(name: string, args: unknown): Promise<{ class: string; desc: string }> {
      const result = await core().call(name, args);
      assert.equal(result.ok, false, `${name} should fail`);
      return (result as { error: { class: string; desc: string } }).error;
    },
  };
}
