/**
 * Splits a byte stream into JSON objects the way QEMU's streamer does: objects may follow each
 * other with or without whitespace between them. Tracks nesting outside strings to find where
 * each top-level value ends, then parses it. Garbage, unbalanced closers, raw newlines inside
 * strings and oversized messages are reported as errors and the splitter resynchronises.
 */
import { StringDecoder } from 'node:string_decoder';

/** What the splitter found: a parsed value or a description of what was wrong. */
export type JsonStreamItem = { ok: true; value: unknown } | { ok: false; error: string };

/** Default largest message accepted (1 MiB). */
export const defaultMaxMessageBytes = 1024 * 1024;

/** Incremental splitter for one connection. */
export class JsonStream {
  private readonly decoder = new StringDecoder('utf8');
  private buffer = '';
  private depth = 0;
  private inString = false;
  private escaped = false;
  /** Discarding an oversized value until it ends. */
  private discarding = false;
  private garbage = false;

  constructor(
    private readonly onItem: (item: JsonStreamItem) => void,
    private readonly maxMessageBytes = defaultMaxMessageBytes,
  ) {}

  /** Feeds bytes (or text) received from the peer. */
  push(chunk: Buffer | string): void {
    const text = typeof chunk === 'string' ? chunk : this.decoder.write(chunk);
    for (let index = 0; index < text.length; index++) this.step(text[index] as string);
  }

  private step(ch: string): void {
    if (this.depth === 0 && !this.inString) {
      if (ch === '{' || ch === '[') {
        this.flushGarbage();
        this.depth = 1;
        this.buffer = ch;
        return;
      }
      if (ch === '\n') this.flushGarbage();
      if (ch === ' ' || ch === '\n' || ch === '\r' || ch === '\t') return;
      // Scalars and stray closers are not QMP messages: one error per line of them.
      this.garbage = true;
      return;
    }
    if (!this.discarding) this.buffer += ch;
    if (this.inString) {
      if (this.escaped) this.escaped = false;
      else if (ch === '\\') this.escaped = true;
      else if (ch === '"') this.inString = false;
      else if (ch === '\n') {
        this.reset();
        this.onItem({ ok: false, error: 'JSON parse error, invalid string: raw newline inside a string' });
        return;
      }
    } else if (ch === '"') this.inString = true;
    else if (ch === '{' || ch === '[') this.depth++;
    else if (ch === '}' || ch === ']') {
      this.depth--;
      if (this.depth === 0) this.finish();
      return;
    }
    if (!this.discarding && this.buffer.length > this.maxMessageBytes) {
      this.discarding = true;
      this.buffer = '';
      this.onItem({ ok: false, error: `JSON parse error, message exceeds ${this.maxMessageBytes} bytes` });
    }
  }

  private finish(): void {
    const text = this.buffer;
    const discarded = this.discarding;
    this.reset();
    if (discarded) return;
    try {
      this.onItem({ ok: true, value: JSON.parse(text) as unknown });
    } catch (error) {
      this.onItem({ ok: false, error: `JSON parse error, ${(error as Error).message}` });
    }
  }

  private flushGarbage(): void {
    if (!this.garbage) return;
    this.garbage = false;
    this.onItem({ ok: false, error: 'JSON parse error, expected a JSON object' });
  }

  private reset(): void {
    this.buffer = '';
    this.depth = 0;
    this.inString = false;
    this.escaped = false;
    this.discarding = false;
  }
}
