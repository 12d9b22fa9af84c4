/**
 * The one JSON framing used by every stream channel: the engine's QMP socket, the control
 * socket (both ends) and the engine's client of QEMU's own QMP socket. It splits a byte stream
 * into JSON values the way QEMU 7.2 does (qobject/json-lexer.c and json-streamer.c): a lexer
 * cuts tokens, a value ends when its braces and brackets balance, and a top-level scalar is a
 * value of its own (the QMP layer then says it is not an object).
 *
 * Recovery, as QEMU's and as the QMP specification's "Forcing the JSON parser into known-good
 * state" promises clients: a lexical error (a character no token may contain or start with,
 * such as an ASCII control character other than tab, CR and LF, or a 0xFE/0xFF byte, anywhere,
 * including inside a string) drops the incomplete value, is reported once, and then input is
 * skipped up to the next resynchronisation point — a control character, 0xFE/0xFF, or one of
 * `{ } [ ] : ,` — so the next command is answered.
 *
 * Input is bytes, not decoded text, so that 0xFE/0xFF and invalid UTF-8 are seen exactly as
 * QEMU sees them (a socket decoding UTF-8 would turn them into U+FFFD first); each complete
 * value is decoded as UTF-8 when it is parsed, and a value with invalid UTF-8 is refused.
 *
 * Limits are enforced while streaming, never by buffering first: a value larger than
 * `maxBytes` or nested deeper than `maxNesting` (QEMU's 1024) is refused as soon as the limit
 * is crossed. Unlike QEMU, which reports the limit and then reads the rest of the value as
 * fresh input (one error per remaining closer: ~100k replies for a 100k-deep value), the rest
 * of a refused value is skipped silently, so it costs one reply.
 *
 * Line mode (`lines: true`, the control socket's newline-delimited JSON): a line feed ends
 * every value, so an incomplete line is refused at its end instead of swallowing the next
 * line, and after any error the rest of the line is skipped (one error per bad line) — up to
 * a control character or 0xFE/0xFF, after which reading resumes at once, so the QMP recovery
 * rule holds within a line too.
 *
 * Errors are delivered as items, never thrown. Pure: no I/O, no platform imports.
 */
import { maxJsonNesting, nestingError, sizeError } from './json-limits.js';
import type { JsonRefusal } from './json-limits.js';
import { decodeUtf8, encodeUtf8 } from './utf8.js';

/** One framed value, or why the input was refused. */
export type JsonStreamItem = { ok: true; value: unknown } | { ok: false; refusal: JsonRefusal; error: string };

/** Limits and framing of one channel. */
export interface JsonStreamOptions {
  /** Largest value accepted, in bytes (tokens, without the whitespace between them). */
  readonly maxBytes: number;
  /** Deepest nesting of objects and arrays accepted (default `maxJsonNesting`, 1024). */
  readonly maxNesting?: number;
  /** Newline-delimited JSON: a line feed ends every value (see the module comment). */
  readonly lines?: boolean;
}

// Lexer states, after QEMU's (json-lexer.c).
const start = 0;
const recovery = 1;
const doubleQuoted = 2;
const doubleQuotedEscape = 3;
const singleQuoted = 4;
const singleQuotedEscape = 5;
const zero = 6;
const sign = 7;
const digits = 8;
const mantissa = 9;
const mantissaDigits = 10;
const exponentE = 11;
const exponentSign = 12;
const exponentDigits = 13;
const keyword = 14;

const lineFeed = 0x0a;
const backslash = 0x5c;
const doubleQuote = 0x22;
const singleQuote = 0x27;
/** Token kinds other than the structural characters (which are their own byte). */
const scalarToken = -1;
const stringToken = -2;

const incompleteLine = 'JSON parse error, the line ended before the message was complete (each message is one line)';

const isDigit = (byte: number): boolean => byte >= 0x30 && byte <= 0x39;
const isExponent = (byte: number): boolean => byte === 0x65 || byte === 0x45;
const isWhitespace = (byte: number): boolean => byte === 0x20 || byte === 0x09 || byte === 0x0d || byte === lineFeed;
/** Bytes that end recovery in every mode: ASCII control characters but tab, and 0xFE/0xFF. */
const isResyncByte = (byte: number): boolean => (byte < 0x20 && byte !== 0x09) || byte >= 0xfe;
/** Structural characters, also resynchronisation points in QMP mode. */
const isStructural = (byte: number): boolean => byte === 0x7b || byte === 0x7d || byte === 0x5b || byte === 0x5d || byte === 0x3a || byte === 0x2c;
/** What may appear in a string (and after a backslash) unescaped, as QEMU's lexer allows. */
const isStringByte = (byte: number): boolean => byte >= 0x20 && byte <= 0xfd;

/** A growable byte buffer for the value being assembled. */
class Bytes {
  private data = new Uint8Array(256);
  length = 0;

  push(byte: number): void {
    if (this.length === this.data.length) {
      const grown = new Uint8Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[this.length++] = byte;
  }

  view(from = 0, to = this.length): Uint8Array {
    return this.data.subarray(from, to);
  }

  truncate(length: number): void {
    this.length = length;
    // Do not keep a huge buffer alive for a connection that once sent a large value.
    if (length === 0 && this.data.length > 65536) this.data = new Uint8Array(256);
  }
}

/** Incremental framer for one connection; `onItem` receives each value or error in order. */
export class JsonStream {
  private readonly maxBytes: number;
  private readonly maxNesting: number;
  private readonly lines: boolean;
  private state = start;
  private braces = 0;
  private brackets = 0;
  /** The tokens of the value being assembled (QEMU keeps a token list; bytes suffice here). */
  private readonly message = new Bytes();
  private tokenStart = 0;
  /** The current string token uses QEMU's extensions (single quotes, `\'`) and must be rewritten for JSON.parse. */
  private rewrite = false;
  /** Skipping the rest of a value refused for its size or nesting (QMP mode). */
  private discarding = false;

  constructor(
    private readonly onItem: (item: JsonStreamItem) => void,
    options: JsonStreamOptions,
  ) {
    this.maxBytes = options.maxBytes;
    this.maxNesting = options.maxNesting ?? maxJsonNesting;
    this.lines = options.lines ?? false;
  }

  /** Feeds bytes received from the peer (a string is taken as its UTF-8 bytes). */
  push(chunk: Uint8Array | string): void {
    const bytes = typeof chunk === 'string' ? encodeUtf8(chunk) : chunk;
    for (let index = 0; index < bytes.length; index++) {
      const byte = bytes[index] as number;
      // A number or keyword ends at the first byte that cannot continue it, which is then read
      // again from the start state (QEMU's lookahead); every other step consumes the byte.
      while (!this.step(byte));
    }
  }

  /** One lexer step; false when `byte` must be read again. */
  private step(byte: number): boolean {
    switch (this.state) {
      case start:
        return this.begin(byte);
      case recovery:
        if (isResyncByte(byte) || (!this.lines && isStructural(byte))) {
          this.state = start;
          return false;
        }
        return true;
      case doubleQuoted:
      case singleQuoted: {
        const quote = this.state === doubleQuoted ? doubleQuote : singleQuote;
        if (byte === quote) {
          this.append(byte);
          this.state = start;
          this.token(stringToken);
        } else if (byte === backslash) {
          this.append(byte);
          this.state = this.state === doubleQuoted ? doubleQuotedEscape : singleQuotedEscape;
        } else if (isStringByte(byte)) {
          this.append(byte);
        } else return this.lexicalError(byte);
        return true;
      }
      case doubleQuotedEscape:
      case singleQuotedEscape:
        if (!isStringByte(byte)) return this.lexicalError(byte);
        if (byte === singleQuote) this.rewrite = true;
        this.append(byte);
        this.state = this.state === doubleQuotedEscape ? doubleQuoted : singleQuoted;
        return true;
      case zero:
        if (isDigit(byte)) return this.lexicalError(byte);
        if (byte === 0x2e) return this.advance(byte, mantissa);
        return this.terminal();
      case sign:
        if (byte === 0x30) return this.advance(byte, zero);
        if (isDigit(byte)) return this.advance(byte, digits);
        return this.lexicalError(byte);
      case digits:
        if (isDigit(byte)) return this.advance(byte, digits);
        if (isExponent(byte)) return this.advance(byte, exponentE);
        if (byte === 0x2e) return this.advance(byte, mantissa);
        return this.terminal();
      case mantissa:
        if (isDigit(byte)) return this.advance(byte, mantissaDigits);
        return this.lexicalError(byte);
      case mantissaDigits:
        if (isDigit(byte)) return this.advance(byte, mantissaDigits);
        if (isExponent(byte)) return this.advance(byte, exponentE);
        return this.terminal();
      case exponentE:
        if (byte === 0x2b || byte === 0x2d) return this.advance(byte, exponentSign);
        if (isDigit(byte)) return this.advance(byte, exponentDigits);
        return this.lexicalError(byte);
      case exponentSign:
        if (isDigit(byte)) return this.advance(byte, exponentDigits);
        return this.lexicalError(byte);
      case exponentDigits:
        if (isDigit(byte)) return this.advance(byte, exponentDigits);
        return this.terminal();
      default: // keyword
        if (byte >= 0x61 && byte <= 0x7a) return this.advance(byte, keyword);
        return this.terminal();
    }
  }

  /** The start state: whitespace, or the first byte of a token. */
  private begin(byte: number): boolean {
    if (byte === lineFeed && this.lines) {
      const incomplete = this.message.length > 0 && !this.discarding;
      this.reset();
      if (incomplete) this.onItem({ ok: false, refusal: 'syntax', error: incompleteLine });
      return true;
    }
    if (isWhitespace(byte)) return true;
    this.tokenStart = this.message.length;
    this.rewrite = false;
    if (byte === doubleQuote) return this.advance(byte, doubleQuoted);
    if (byte === singleQuote) {
      this.rewrite = true;
      return this.advance(byte, singleQuoted);
    }
    if (byte === 0x30) return this.advance(byte, zero);
    if (isDigit(byte)) return this.advance(byte, digits);
    if (byte === 0x2d) return this.advance(byte, sign);
    if (byte >= 0x61 && byte <= 0x7a) return this.advance(byte, keyword);
    if (isStructural(byte)) {
      this.append(byte);
      this.token(byte);
      return true;
    }
    return this.lexicalError(byte);
  }

  private advance(byte: number, next: number): boolean {
    this.append(byte);
    this.state = next;
    return true;
  }

  /** A number or keyword ended before `byte` (not consumed). */
  private terminal(): boolean {
    this.state = start;
    this.token(scalarToken);
    return false;
  }

  private append(byte: number): void {
    if (this.discarding) return;
    this.message.push(byte);
    if (this.message.length > this.maxBytes) this.refuse('size', sizeError(this.maxBytes));
  }

  /** A complete token (QEMU's json_message_process_token). */
  private token(kind: number): void {
    if (kind === 0x7b) this.braces++;
    else if (kind === 0x7d) this.braces--;
    else if (kind === 0x5b) this.brackets++;
    else if (kind === 0x5d) this.brackets--;
    const open = (this.braces > 0 || this.brackets > 0) && this.braces >= 0 && this.brackets >= 0;
    if (this.discarding) {
      // In line mode the line feed ends a refused value, whatever its brackets say.
      if (!open && !this.lines) this.reset();
      return;
    }
    if (this.braces + this.brackets > this.maxNesting) {
      this.refuse('nesting', nestingError(this.maxNesting));
      return;
    }
    if (kind === stringToken && this.rewrite) this.rewriteString();
    if (!open) this.complete();
  }

  /** Rewrites the string token just ended into plain JSON: single quotes, and `\'`, are QEMU extensions. */
  private rewriteString(): void {
    const source = this.message.view(this.tokenStart).slice();
    this.message.truncate(this.tokenStart);
    this.message.push(doubleQuote);
    for (let index = 1; index < source.length - 1; index++) {
      const byte = source[index] as number;
      if (byte === backslash) {
        const next = source[++index] as number;
        if (next !== singleQuote) this.message.push(backslash);
        this.message.push(next);
      } else {
        if (byte === doubleQuote) this.message.push(backslash);
        this.message.push(byte);
      }
    }
    this.message.push(doubleQuote);
  }

  /** The value is complete: decode and parse it. */
  private complete(): void {
    const text = decodeUtf8(this.message.view());
    this.reset();
    if (text === undefined) {
      this.fail('syntax', 'JSON parse error, invalid UTF-8 sequence in string');
      return;
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      // A lone word is a keyword token (QEMU lexes [a-z]+): say so as QEMU does.
      this.fail('syntax', /^[a-z]+$/.test(text) ? `JSON parse error, invalid keyword '${text}'` : `JSON parse error, ${(error as Error).message}`);
      return;
    }
    this.onItem({ ok: true, value });
  }

  /** A byte no token may contain here: report the stray text, drop the value, recover. */
  private lexicalError(byte: number): boolean {
    const wasDiscarding = this.discarding;
    const stray = wasDiscarding ? '' : describe([...this.message.view(this.tokenStart), byte]);
    this.reset();
    // In line mode a line feed or another resync byte is itself the boundary: read on after it.
    this.state = this.lines && isResyncByte(byte) ? start : recovery;
    if (!wasDiscarding) this.onItem({ ok: false, refusal: 'syntax', error: this.lines && byte === lineFeed ? incompleteLine : `JSON parse error, stray '${stray}'` });
    return true;
  }

  /**
   * Refuses the value being assembled for its size or nesting. The rest of it is skipped
   * silently: lexing goes on to find where it ends (QMP mode) or up to the end of the line.
   */
  private refuse(refusal: JsonRefusal, error: string): void {
    this.message.truncate(0);
    this.discarding = true;
    this.onItem({ ok: false, refusal, error });
  }

  /** A complete value failed to parse: in line mode the rest of its line is skipped. */
  private fail(refusal: JsonRefusal, error: string): void {
    if (this.lines) this.state = recovery;
    this.onItem({ ok: false, refusal, error });
  }

  private reset(): void {
    this.message.truncate(0);
    this.braces = 0;
    this.brackets = 0;
    this.discarding = false;
    this.tokenStart = 0;
  }
}

/** Stray input for an error message: decoded leniently, control characters visible, bounded. */
function describe(bytes: readonly number[]): string {
  const tail = bytes.length > 40 ? bytes.slice(-40) : bytes;
  const text = decodeUtf8(Uint8Array.from(tail), true) ?? '';
  let shown = bytes.length > 40 ? '…' : '';
  for (const ch of text) {
    const code = ch.charCodeAt(0);
    shown += code < 0x20 || code === 0x7f ? `\\u${code.toString(16).padStart(4, '0')}` : ch;
  }
  return shown;
}
