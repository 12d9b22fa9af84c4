/**
 * App API calls on a real HangarCore in tests, asserting success or failure. Calls are typed
 * by the API schema: `ok('vm.start', {id})` checks the arguments and gives the machine view.
 */
import assert from 'node:assert/strict';
import type { HangarCore } from '../../src/main/core/hangar-core.js';
import type { ApiArgs, ApiCallName, ApiValue } from '../../src/shared/protocol/api/client.js';
import { validateApiReply } from '../../src/shared/protocol/api/client.js';

/** The calls of `coreCalls`. */
export interface CoreCalls {
  /** A call's value, typed by the call (asserting it succeeded and matches the schema). */
  ok<N extends ApiCallName>(name: N, args: ApiArgs<N>): Promise<ApiValue<N>>;
  /**
   * A call's value seen as `T`: for the parts the schema leaves open (`any` values, the extra
   * fields of a machine or media row). The name and arguments are still checked.
   */
  ok<T>(name: ApiCallName, args: ApiArgs<ApiCallName>): Promise<T>;
  /** A call's error (asserting it failed). */
  failure(name: ApiCallName, args: unknown): Promise<{ class: string; desc: string }>;
}

/** `ok` returns a call's value (asserting it succeeded); `failure` returns its error (asserting it failed). */
export function coreCalls(core: () => HangarCore): CoreCalls {
  function ok<N extends ApiCallName>(name: N, args: ApiArgs<N>): Promise<ApiValue<N>>;
  function ok<T>(name: ApiCallName, args: ApiArgs<ApiCallName>): Promise<T>;
  async function ok(name: ApiCallName, args: unknown): Promise<unknown> {
    // The shells' entry point (arguments validated there), and the reply checked as a client would.
    const result = validateApiReply(name, await core().call(name, args));
    assert.equal(result.ok, true, `${name}: ${JSON.stringify(result)}`);
    return result.ok ? result.value : undefined;
  }
  return {
    ok,
    async failure(name: ApiCallName, args: unknown): Promise<{ class: string; desc: string }> {
      // Failures are sent on purpose with bad arguments, so these go through the untyped entry point.
      const result = await core().call(name, args);
      assert.equal(result.ok, false, `${name} should fail`);
      return result.ok ? { class: '', desc: '' } : result.error;
    },
  };
}
