/**
 * One QMP client's conversation: greeting, capabilities negotiation, then commands. Requests
 * are handled one at a time in arrival order (as QEMU's monitor does), each reply echoing the
 * request's id.
 */
import { errorReply, parseExecute } from '../../shared/protocol/envelope.js';
import type { QmpEvent, QmpGreeting, QmpReply } from '../../shared/protocol/envelope.js';
import type { CommandCall } from '../../shared/protocol/envelope.js';
import type { JsonStreamItem } from './json-stream.js';

/** What a session needs from the engine. */
export interface SessionEngine {
  greeting(): QmpGreeting;
  commandNames(): ReadonlySet<string> | undefined;
  dispatch(call: CommandCall): Promise<QmpReply>;
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
    this.queue = this.queue.then(async () => {
      const reply = await this.handle(item);
      if (!this.closed) this.send(reply);
    });
  }

  /** Resolves when every request received so far has been answered. */
  drain(): Promise<void> {
    return this.queue;
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
