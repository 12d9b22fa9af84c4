import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkApiArgs, checkApiValue, validateApiEvent, validateApiReply } from './client.js';
import type { ApiClient, ApiHandlers } from './client.js';

const machine = { id: 'm1', name: 'A', osId: 'other', engine: 'v86', memoryMib: 32, cpus: 1, state: 'stopped' };

test('validateApiReply passes a matching value through as it came (extra fields of open objects kept)', () => {
  const reply = validateApiReply('machines.get', { ok: true, value: { ...machine, bootOrder: ['disk'] } });
  assert.deepEqual(reply, { ok: true, value: { ...machine, bootOrder: ['disk'] } });
  assert.deepEqual(validateApiReply('vm.status', { ok: true, value: { status: 'running', running: true } }), { ok: true, value: { status: 'running', running: true } });
});

test('validateApiReply turns a wrong reply shape into a failure that says where', () => {
  const wrongType = validateApiReply('machines.get', { ok: true, value: { ...machine, memoryMib: '32' } });
  assert.equal(wrongType.ok, false);
  assert.match(wrongType.ok ? '' : wrongType.error.desc, /answer to machines\.get does not match the API \(memoryMib expected a number/);
  // A field the schema does not have, on a closed object (vm.status once handed on the engine's singlestep).
  const extra = validateApiReply('vm.status', { ok: true, value: { status: 'running', running: true, singlestep: false } });
  assert.match(extra.ok ? '' : extra.error.desc, /singlestep is not a known field/);
  const state = validateApiReply('machines.list', { ok: true, value: [{ ...machine, state: 'sleeping' }] });
  assert.match(state.ok ? '' : state.error.desc, /\[0\]\.state expected one of "stopped"/);
  assert.equal(state.ok ? '' : state.error.class, 'EngineFailed');
});

test('validateApiReply checks the envelope and error classes', () => {
  assert.deepEqual(validateApiReply('vm.pause', { ok: false, error: { class: 'NotFound', desc: 'no such machine' } }), { ok: false, error: { class: 'NotFound', desc: 'no such machine' } });
  for (const broken of [null, 'ok', { value: {} }, { ok: false }, { ok: false, error: { class: 'Nope', desc: 'x' } }, { ok: false, error: { class: 'NotFound' } }]) {
    const result = validateApiReply('vm.pause', broken);
    assert.equal(result.ok, false, JSON.stringify(broken));
    assert.equal(result.ok ? '' : result.error.class, 'EngineFailed', JSON.stringify(broken));
  }
});

test('checkApiValue and checkApiArgs use the call\'s own schema', () => {
  assert.equal(checkApiValue('vm.pause', {}).ok, true);
  assert.equal(checkApiValue('vm.pause', { extra: 1 }).ok, false);
  assert.deepEqual(checkApiArgs('vm.eject', { id: 'a', slot: 'cd0' }), { ok: true, value: { id: 'a', slot: 'cd0' } });
  const slot = checkApiArgs('vm.eject', { id: 'a', slot: 'com1' });
  assert.equal(slot.ok ? '' : slot.issue.path, 'slot');
});

test('validateApiEvent checks the name and the data of each event', () => {
  assert.deepEqual(validateApiEvent({ event: 'SERIAL_OUTPUT', data: { id: 'm1', data: 'SGk=' } }), { ok: true, value: { event: 'SERIAL_OUTPUT', data: { id: 'm1', data: 'SGk=' } } });
  assert.equal(validateApiEvent({ event: 'MACHINE_STATE', data: { id: 'm1', state: 'running' } }).ok, true);
  const badState = validateApiEvent({ event: 'MACHINE_STATE', data: { id: 'm1', state: 'on fire' } });
  assert.equal(badState.ok ? '' : badState.issue.path, 'MACHINE_STATE.data.state');
  // The engine's SERIAL_OUTPUT carries the port; the API's does not.
  assert.equal(validateApiEvent({ event: 'SERIAL_OUTPUT', data: { id: 'm1', data: '', port: 'COM1' } }).ok, false);
  assert.equal(validateApiEvent({ event: 'NO_SUCH_EVENT', data: {} }).ok, false);
  assert.equal(validateApiEvent('MACHINE_STATE').ok, false);
});

// Compile-time checks (npm run typecheck): each `@ts-expect-error` fails the typecheck if the line it guards compiles.
type Handler<N extends keyof ApiHandlers> = ApiHandlers[N];
export const typeChecks = {
  // A handler table without every call does not compile.
  // @ts-expect-error 'machines.get' and the rest are missing
  missing: { 'machines.list': () => [] } satisfies ApiHandlers,
  // A misspelled handler name does not compile.
  misspelled: (table: ApiHandlers): ApiHandlers => ({
    ...table,
    // @ts-expect-error no call is named vm.strat
    'vm.strat': () => ({}),
  }),
  // A handler answering the wrong shape does not compile.
  // @ts-expect-error vm.status answers {status, running}
  wrongValue: ((): { status: number } => ({ status: 1 })) satisfies Handler<'vm.status'>,
  // The typed call infers arguments and value from the name.
  call: async (client: ApiClient): Promise<string> => {
    // @ts-expect-error vm.start needs an id
    await client.call('vm.start', {});
    // @ts-expect-error slot is cd0 or fd0
    await client.call('vm.eject', { id: 'a', slot: 'com1' });
    const started = await client.call('vm.start', { id: 'a' });
    return started.ok ? started.value.state : started.error.class;
  },
};
