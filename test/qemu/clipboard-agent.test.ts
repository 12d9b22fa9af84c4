/**
 * The clipboard agent is reported only when the guest's agent is there. QEMU with the agent
 * channel but a guest that runs no agent (GRUB) says `connected: false` (the window used to show a
 * green "agent connected" here); the Linux test guest built with virtio_console opens the agent
 * port as spice-vdagentd does, and only then is it `connected`, until it closes it again. v86 has
 * no agent and says so (query-clipboard, clipboard-set, query-engine's `clipboard-agent`). The
 * renderer's reading of the answer (toClipboardAgent) is checked on the real answers.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { toClipboardAgent } from '../../src/renderer/platform/api-mapping.js';
import { engineClipboardModes } from '../../src/shared/protocol/engine/clipboard.js';
import { grubRescueCdrom } from '../conformance/backends.js';
import type { EngineProcess } from '../support/engine-process.js';
import { startEngine } from '../support/engine-process.js';
import { engineConsole, ensureGuestIso, guestRun, waitForGuestBoot } from '../support/linux-guest.js';
import type { QmpClient } from '../support/qmp-client.js';

const qemuAgent = ['--options', JSON.stringify({ accelerator: 'tcg', clipboard: true })];

interface ClipboardAnswer {
  enabled: boolean;
  attached: boolean;
  connected?: boolean;
  text?: string;
}

const query = async (client: QmpClient): Promise<ClipboardAnswer> => (await client.execute('query-clipboard')) as ClipboardAnswer;

/** Polls query-clipboard until `connected` is `want`; fails with the last answer. */
async function untilConnected(client: QmpClient, want: boolean, timeoutMs: number): Promise<ClipboardAnswer> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const answer = await query(client);
    if (answer.connected === want) return answer;
    if (Date.now() > deadline) assert.fail(`query-clipboard never said connected: ${want} within ${timeoutMs} ms; last: ${JSON.stringify(answer)}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

describe('clipboard agent state', () => {
  const engines: EngineProcess[] = [];
  after(async () => {
    for (const engine of engines) await engine.stop();
  });

  it('QEMU with the agent channel but no agent in the guest: attached, not connected', async () => {
    const engine = await startEngine({ engine: 'qemu', memoryMib: 64, cdrom: grubRescueCdrom, args: qemuAgent, timeoutMs: 120_000 });
    engines.push(engine);
    const answer = await query(engine.client);
    assert.deepEqual(answer, { enabled: true, attached: true, connected: false });
    assert.equal(toClipboardAgent(answer).connected, false, 'the window must not say "agent connected"');
    const described = (await engine.client.execute('query-engine')) as { 'clipboard-agent'?: boolean };
    assert.equal(described['clipboard-agent'], true);
    // A few seconds of GRUB later it is still not connected: nothing in the guest opened the port.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    assert.equal((await query(engine.client)).connected, false);
    await engine.stop();
  });

  it('QEMU: connected once a guest program opens the agent port, and not after it closes it', async () => {
    const iso = ensureGuestIso();
    const engine = await startEngine({ engine: 'qemu', memoryMib: 256, cdrom: iso, args: qemuAgent, timeoutMs: 120_000 });
    engines.push(engine);
    const guest = engineConsole(engine.client);
    await waitForGuestBoot(guest, { what: 'guest boot' });
    assert.equal((await query(engine.client)).connected, false, 'booted, but no agent yet');
    // The port spice-vdagentd would open: the virtio-serial port named com.redhat.spice.0.
    const port = await guestRun(guest, 'for p in /sys/class/virtio-ports/*; do [ "$(cat $p/name)" = com.redhat.spice.0 ] && echo ${p##*/}; done');
    assert.match(port, /^vport\d+p\d+$/, `the agent port in the guest: ${port}`);
    await guestRun(guest, `exec 3</dev/${port}`);
    const open = await untilConnected(engine.client, true, 30_000);
    assert.deepEqual({ ...open, text: undefined }, { enabled: true, attached: true, connected: true, text: undefined });
    assert.equal(toClipboardAgent(open).connected, true);
    const opened = engine.client.events.find((event) => event.event === 'CLIPBOARD_AGENT' && (event.data as { connected?: boolean }).connected === true);
    assert.ok(opened, 'a CLIPBOARD_AGENT event says the agent connected');
    await guestRun(guest, 'exec 3<&-');
    await untilConnected(engine.client, false, 30_000);
  });

  it('v86 has no agent, and says so', async () => {
    assert.deepEqual(engineClipboardModes.v86, ['off']);
    const engine = await startEngine({ engine: 'v86', memoryMib: 32, cdrom: grubRescueCdrom, timeoutMs: 120_000 });
    engines.push(engine);
    const answer = await query(engine.client);
    assert.deepEqual(answer, { enabled: false, attached: false, connected: false });
    assert.equal(toClipboardAgent(answer).connected, false);
    await assert.rejects(engine.client.execute('clipboard-set', { text: 'hello' }), (error: { errorClass?: string; desc?: string }) => {
      assert.equal(error.errorClass, 'NotSupported');
      assert.match(String(error.desc), /v86 has no clipboard agent.*Type clipboard text.*Copy screen text.*serial console/);
      return true;
    });
    const described = (await engine.client.execute('query-engine')) as { 'clipboard-agent'?: boolean };
    assert.equal(described['clipboard-agent'], false);
  });
});
