/**
 * Serves the protocol over the channel to the parent process: Electron's utilityProcess
 * (`process.parentPort`, messages `{data, ports}`) or child_process.fork (`process.send`, use
 * `serialization: 'advanced'` so typed arrays pass). Messages are tagged:
 *   parent → engine: {kind:'qmp', message} (a QMP request object), {kind:'attach-display'}
 *                    (the channel becomes the display viewer: main keeps the one copy of the
 *                    screen and serves every view from it, docs/architecture.md §4),
 *                    {kind:'attach-display', transport:'socket'} (the display goes over a UNIX
 *                    socket served by a worker thread instead, display-outlet.ts).
 *   engine → parent: {kind:'qmp', message} (greeting, replies, events), {kind:'display', message},
 *                    {kind:'display-socket', path} (connect there; the engine accepts one
 *                    connection) or {kind:'display-socket', error:{class, desc}} (attach without
 *                    a transport instead).
 * The channel is one QMP client: it gets the greeting and negotiates like any other.
 * Messages arrive already decoded (structured clone), so the framing's nesting limit is
 * applied here to the value itself: a request nested deeper than QMP allows is refused as on
 * the socket, before anything walks it recursively.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { DisplayMessage } from '../../shared/protocol/display.js';
import { nestingError, valueNestingExceeds } from '../../shared/protocol/json-limits.js';
import { DisplayOutlet } from './display-outlet.js';
import type { Engine } from './engine.js';
import { QmpSession } from './qmp-session.js';
import { ensurePrivateFolder } from './unix-socket-server.js';
import { Waiters } from '../common/waiters.js';

/** The part of Electron's parentPort the engine uses (no electron import here). */
interface ParentPortLike {
  on(event: 'message', listener: (event: { data: unknown }) => void): void;
  postMessage(message: unknown): void;
}

/** Which parent channel this process has, if any. */
export function parentChannelKind(): 'electron' | 'fork' | undefined {
  if ((process as { parentPort?: unknown }).parentPort) return 'electron';
  if (typeof process.send === 'function') return 'fork';
  return undefined;
}

/** Messages handed to `process.send` that it has not written yet, and who waits for none. */
let unsent = 0;
const drained = new Waiters();

/**
 * Resolves once everything sent to the parent has been written (at most `timeoutMs`): an
 * engine that exits with a reply still queued behind display frames would lose it (the parent
 * then sees the engine end before it answered `quit`).
 */
export function parentChannelDrained(timeoutMs: number): Promise<void> {
  return unsent === 0 ? Promise.resolve() : drained.wait(timeoutMs).done;
}

function sentOne(): void {
  unsent--;
  if (unsent === 0) drained.release();
}

/** Connects the engine to the parent channel; returns false when there is none. */
export function serveParentChannel(engine: Engine): boolean {
  const kind = parentChannelKind();
  if (!kind) return false;
  const parentPort = (process as { parentPort?: ParentPortLike }).parentPort;
  const post = (message: unknown): void => {
    if (parentPort) parentPort.postMessage(message);
    else if (process.connected) {
      unsent++;
      process.send?.(message, undefined, undefined, sentOne);
    }
  };
  const session = new QmpSession(engine, (message) => post({ kind: 'qmp', message }));
  engine.onEvent((event) => session.event(event));
  const receive = (data: unknown): void => {
    if (typeof data !== 'object' || data === null) {
      session.receive({ ok: false, refusal: 'syntax', error: 'Parent channel messages must be {kind, message} objects' });
      return;
    }
    const tagged = data as { kind?: unknown; message?: unknown };
    if (tagged.kind === 'qmp') {
      if (valueNestingExceeds(tagged.message)) session.receive({ ok: false, refusal: 'nesting', error: nestingError() });
      else session.receive({ ok: true, value: tagged.message });
    }
    else if (tagged.kind === 'attach-display') {
      if ((data as { transport?: unknown }).transport === 'socket') void attachDisplaySocket(engine, post);
      else engine.attachViewer({ post: (message: DisplayMessage) => post({ kind: 'display', message }), backlog: () => (unsent > 256 ? unsent : 0) });
    } else session.receive({ ok: false, refusal: 'syntax', error: `Unknown parent channel message kind ${describeKind(tagged.kind)}` });
  };
  if (parentPort) parentPort.on('message', (event) => receive(event.data));
  else {
    process.on('message', (message) => receive(message));
    process.on('disconnect', () => engine.requestStop('parent disconnected'));
  }
  session.start();
  return true;
}

/**
 * Opens a display socket in the engine's runtime folder, tells the parent where it is, and
 * attaches it as the display viewer once the parent has connected. A failure is reported to the
 * parent ({kind:'display-socket', error}), which then attaches over the channel instead.
 */
async function attachDisplaySocket(engine: Engine, post: (message: unknown) => void): Promise<void> {
  let outlet: DisplayOutlet | undefined;
  try {
    ensurePrivateFolder(engine.config.runtimeDir);
    // Short: a UNIX socket path is limited to 107 bytes, and the folder already holds qmp.sock.
    const path = join(engine.config.runtimeDir, `dpy-${randomBytes(3).toString('hex')}.sock`);
    const opened = await DisplayOutlet.listen(path);
    outlet = opened.outlet;
    const owned = outlet;
    engine.addCleanup(() => owned.dispose());
    post({ kind: 'display-socket', path });
    await opened.connected;
    const detach = engine.attachViewer(owned);
    owned.onClosed((reason) => {
      detach();
      engine.log(`display socket closed: ${reason}`);
      void owned.dispose();
    });
  } catch (error) {
    const desc = `The engine could not serve its display socket (${(error as Error).message}); attach the display over the parent channel instead.`;
    engine.log(desc);
    void outlet?.dispose();
    post({ kind: 'display-socket', error: { class: 'GenericError', desc } });
  }
}

/** A bounded description of an unexpected `kind` (it may be any structured-clone value, however deep). */
function describeKind(kind: unknown): string {
  if (typeof kind === 'string') return JSON.stringify(kind.length > 60 ? `${kind.slice(0, 60)}…` : kind);
  if (typeof kind === 'object' && kind !== null) return Array.isArray(kind) ? '(an array)' : '(an object)';
  return String(kind);
}
