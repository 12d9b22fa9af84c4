/**
 * One QMP client's conversation: greeting, capabilities negotiation, then commands. Requests
 * are handled one at a time in arrival order (as QEMU's monitor does), each reply echoing the
 * request's id. Whatever goes wrong with one request (a handler that throws, a reply that
 * cannot be serialised or sent) is answered or logged, and the next request is still served.
 */
import { errorReply, parseExecute } from '../../shared/protocol/envelope.js';
import type { QmpEvent, QmpGreeting, QmpReply } from '../../shared/protocol/envelope.js';
import type { CommandCall } from '../../shared/protocol/envelope.js';
import type { JsonStreamItem } from '../../shared/protocol/json-stream.js';

/** What a session needs from the engine. */
export interface SessionEngine {
  greeting(): QmpGreeting;
  commandNames(): ReadonlySet<string> | undefined;
  dispatch(call: CommandCall): Promise<QmpReply>;
  /** Records a problem only the engine's log should see. */
  log(message: string): void;
}

/** A client connection's state machine; `send` writes one JSON object to the client. */
export class QmpSession {
  private negotiated = false;
  private queue: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly engine: SessionEngine,
    private readonly send: (message: object) => void,
  ) {}

  /** Sends the greeting; call once when the client connects. */
  start(): void {
    this.send(this.engine.greeting());
  }

  /** Whether the client finished negotiation (events go only to those). */
  get active(): boolean {
    return this.negotiated && !this.closed;
  }

  /** Delivers an event to a negotiated client. */
  event(event: QmpEvent): void {
    if (this.active) this.send(event);
  }

  /** Stops replying (the connection went away). */
  close(): void {
    this.closed = true;
  }

  /** Handles one item from the client's JSON stream; replies in order. */
  receive(item: JsonStreamItem): void {
    // The queue must never stay rejected: one failed request would silence the connection.
    this.queue = this.queue
      .then(() => this.answer(item))
      .catch((error: unknown) => this.engine.log(`QMP session: a request was left unanswered: ${describe(error)}`));
  }

  /** Resolves when every request received so far has been answered. */
  drain(): Promise<void> {
    return this.queue;
  }

  private async answer(item: JsonStreamItem): Promise<void> {
    const id = requestId(item);
    let reply: QmpReply;
    try {
      reply = await this.handle(item);
    } catch (error) {
      this.engine.log(`QMP session: handling a request failed: ${describe(error)}`);
      reply = errorReply('GenericError', `The engine failed to handle the request: ${describe(error)}`, id);
    }
    if (this.closed) return;
    try {
      this.send(reply);
    } catch (error) {
      // For example a value JSON cannot express: the client still gets an answer, with its id when possible.
      this.engine.log(`QMP session: a reply could not be sent: ${describe(error)}`);
      const failure = `The reply could not be sent: ${describe(error)}`;
      try {
        this.send(errorReply('GenericError', failure, id));
      } catch {
        this.send(errorReply('GenericError', failure));
      }
    }
  }

  private async handle(item: JsonStreamItem): Promise<QmpReply> {
    if (!item.ok) return errorReply('GenericError', item.error);
    const parsed = parseExecute(item.value, this.engine.commandNames());
    if (!parsed.ok) {
      // Before negotiation an unknown command gets QEMU's negotiation hint instead.
      if (!this.negotiated && parsed.reply.error.class === 'CommandNotFound') {
        return { ...parsed.reply, error: { class: 'CommandNotFound', desc: "Expecting capabilities negotiation with 'qmp_capabilities'" } };
      }
      return parsed.reply;
    }
    const { call } = parsed;
    if (call.name === 'qmp_capabilities') {
      if (this.negotiated) return errorReply('CommandNotFound', 'Capabilities negotiation is already complete, command ignored', call);
      const enable = (call.args.enable as string[] | undefined) ?? [];
      if (enable.length > 0) return errorReply('GenericError', `Capability '${enable[0]}' is not available`, call);
      this.negotiated = true;
      return call.hasId ? { return: {}, id: call.id } : { return: {} };
    }
    if (!this.negotiated) return errorReply('CommandNotFound', "Expecting capabilities negotiation with 'qmp_capabilities'", call);
    return this.engine.dispatch(call);
  }
}

/** The request's id, to echo in an error reply; none for input that is not an object. */
function requestId(item: JsonStreamItem): { id?: unknown; hasId: boolean } {
  if (!item.ok || typeof item.value !== 'object' || item.value === null) return { hasId: false };
  const value = item.value as Record<string, unknown>;
  return Object.hasOwn(value, 'id') ? { id: value.id, hasId: true } : { hasId: false };
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
