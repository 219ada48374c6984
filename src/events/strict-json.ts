/**
 * A JSON reader for I-JSON (RFC 7493), the input RFC 8785 canonicalisation assumes. JSON.parse
 * alters input without a word: of two equal member names the last wins (I-JSON §2.3: names MUST be
 * unique), `12345678901234567890` becomes 12345678901234567000, `1e400` becomes Infinity and
 * `1e-400` becomes 0. This reader refuses each of these, naming the JSON path and the position,
 * and otherwise returns exactly what JSON.parse returns (property-tested against it).
 *
 * Numbers: an integer literal (no fraction, no exponent) must lie within ±(2^53−1), the integers a
 * double holds exactly (I-JSON §2.2); write a larger one as a string. A literal with a fraction or
 * exponent is a double by the writer's choice and is accepted unless it overflows, or underflows
 * to zero. `-0` is accepted: RFC 8785 §3.2.2.3 writes it as `0`, the same number.
 *
 * Hand-written rather than a dependency: lossless-json, the closest well-kept package, accepts a
 * repeated name when both values are equal, which I-JSON forbids.
 */

export type StrictJsonProblem = 'SYNTAX' | 'DUPLICATE_KEY' | 'UNSAFE_INTEGER' | 'NUMBER_OUT_OF_RANGE';

export interface StrictJsonIssue {
  problem: StrictJsonProblem;
  /** What is wrong and how to fix it, without the position (see `path`, `line`, `column`). */
  message: string;
  /** JSONPath of the value (`$.payload.items[2]`); `$` is the document. */
  path: string;
  /** 0-based UTF-16 offset, and 1-based line and column, of the offending token. */
  offset: number;
  line: number;
  column: number;
}

export type StrictJsonResult = { ok: true; value: unknown } | { ok: false; issue: StrictJsonIssue };

/** Deeper nesting than this is refused rather than risking the stack (JSON.parse has no such limit). */
export const MAX_DEPTH = 1000;

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const NUMBER = /-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/y;
const LITERALS = [
  ['true', true],
  ['false', false],
  ['null', null],
] as const;
const PLAIN_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const ESCAPES: Record<string, string> = {
  '"': '"',
  '\\': '\\',
  '/': '/',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
};

class Refusal {
  constructor(
    readonly problem: StrictJsonProblem,
    readonly message: string,
    readonly offset: number,
  ) {}
}

export function parseStrictJson(text: string): StrictJsonResult {
  const reader = new Reader(text);
  try {
    const value = reader.document();
    return { ok: true, value };
  } catch (error) {
    if (!(error instanceof Refusal)) throw error;
    const lineStart = text.lastIndexOf('\n', error.offset - 1) + 1;
    let line = 1;
    for (let i = text.indexOf('\n'); i >= 0 && i < lineStart; i = text.indexOf('\n', i + 1)) line++;
    return {
      ok: false,
      issue: {
        problem: error.problem,
        message: error.message,
        path: reader.pathText(),
        offset: error.offset,
        line,
        column: error.offset - lineStart + 1,
      },
    };
  }
}

/** A recursive-descent reader of RFC 8259 JSON text; `path` tracks where it is for messages. */
class Reader {
  #at = 0;
  readonly #text: string;
  readonly #path: (string | number)[] = [];

  constructor(text: string) {
    this.#text = text;
  }

  document(): unknown {
    const value = this.#value();
    this.#space();
    if (this.#at < this.#text.length) this.#fail('unexpected text after the JSON value');
    return value;
  }

  pathText(): string {
    return `$${this.#path
      .map((p) =>
        typeof p === 'number' ? `[${p}]` : PLAIN_NAME.test(p) ? `.${p}` : `[${JSON.stringify(p)}]`,
      )
      .join('')}`;
  }

  #value(): unknown {
    this.#space();
    const c = this.#text[this.#at];
    if (c === '{') return this.#object();
    if (c === '[') return this.#array();
    if (c === '"') return this.#string();
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return this.#number();
    for (const [word, value] of LITERALS) {
      if (this.#text.startsWith(word, this.#at)) {
        this.#at += word.length;
        return value;
      }
    }
    return this.#fail(c === undefined ? 'the text ends where a value is expected' : 'expected a JSON value');
  }

  #object(): Record<string, unknown> {
    this.#enter();
    this.#at++;
    const object: Record<string, unknown> = {};
    this.#space();
    if (this.#text[this.#at] === '}') return this.#close(object);
    for (;;) {
      this.#space();
      if (this.#text[this.#at] !== '"') this.#fail('expected a member name in double quotes');
      const nameAt = this.#at;
      const name = this.#string();
      this.#path.push(name);
      if (Object.hasOwn(object, name)) {
        this.#fail(
          'the member name occurs twice in one object (I-JSON, RFC 7493 §2.3, requires unique names); keep one',
          'DUPLICATE_KEY',
          nameAt,
        );
      }
      this.#space();
      if (this.#text[this.#at] !== ':') this.#fail("expected ':' after the member name");
      this.#at++;
      const value = this.#value();
      // JSON.parse makes "__proto__" an own member; assigning it would set the prototype instead.
      if (name === '__proto__') {
        Object.defineProperty(object, name, { value, enumerable: true, writable: true, configurable: true });
      } else object[name] = value;
      this.#path.pop();
      this.#space();
      const next = this.#text[this.#at++];
      if (next === '}') return object;
      if (next !== ',') this.#fail("expected ',' or '}' after a member", 'SYNTAX', this.#at - 1);
    }
  }

  #array(): unknown[] {
    this.#enter();
    this.#at++;
    const array: unknown[] = [];
    this.#space();
    if (this.#text[this.#at] === ']') return this.#close(array);
    for (;;) {
      this.#path.push(array.length);
      array.push(this.#value());
      this.#path.pop();
      this.#space();
      const next = this.#text[this.#at++];
      if (next === ']') return array;
      if (next !== ',') this.#fail("expected ',' or ']' after an element", 'SYNTAX', this.#at - 1);
    }
  }

  #string(): string {
    const text = this.#text;
    let at = this.#at + 1;
    let out = '';
    let from = at;
    for (;;) {
      const code = text.charCodeAt(at);
      if (Number.isNaN(code)) this.#fail('the text ends inside a string', 'SYNTAX', at);
      if (code === 0x22) break;
      if (code < 0x20)
        this.#fail('a control character must be escaped in a string (\\n, \\u0000 …)', 'SYNTAX', at);
      if (code !== 0x5c) {
        at++;
        continue;
      }
      out += text.slice(from, at);
      const escaped = text[at + 1];
      if (escaped === 'u') {
        const hex = text.slice(at + 2, at + 6);
        if (!/^[0-9a-fA-F]{4}$/.test(hex))
          this.#fail('\\u must be followed by four hex digits', 'SYNTAX', at);
        out += String.fromCharCode(Number.parseInt(hex, 16));
        at += 6;
      } else {
        const char = escaped === undefined ? undefined : ESCAPES[escaped];
        if (char === undefined)
          this.#fail(
            'not a JSON escape (\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u and 4 hex digits)',
            'SYNTAX',
            at,
          );
        out += char;
        at += 2;
      }
      from = at;
    }
    this.#at = at + 1;
    return out + text.slice(from, at);
  }

  #number(): number {
    const start = this.#at;
    NUMBER.lastIndex = start;
    const match = NUMBER.exec(this.#text);
    if (match === null) return this.#fail('not a JSON number (write e.g. -1, 0.5 or 2e10)');
    const literal = match[0];
    this.#at = start + literal.length;
    const value = Number(literal);
    const [, fraction, exponent] = match;
    if (!Number.isFinite(value)) {
      this.#fail(
        `${literal} is beyond the range of a double (I-JSON, RFC 7493 §2.2); write it as a string`,
        'NUMBER_OUT_OF_RANGE',
        start,
      );
    }
    if (value === 0 && /[1-9]/.test(literal.replace(/[eE].*$/, ''))) {
      this.#fail(
        `${literal} is too small for a double and would be stored as 0 (I-JSON, RFC 7493 §2.2); write it as a string`,
        'NUMBER_OUT_OF_RANGE',
        start,
      );
    }
    if (fraction === undefined && exponent === undefined) {
      const exact = BigInt(literal);
      if (exact > MAX_SAFE || exact < -MAX_SAFE) {
        this.#fail(
          `${literal} is outside ±(2^53−1), so it would be stored as ${value} (I-JSON, RFC 7493 §2.2); write it as a string`,
          'UNSAFE_INTEGER',
          start,
        );
      }
    }
    return value;
  }

  #space(): void {
    const text = this.#text;
    for (;;) {
      const c = text.charCodeAt(this.#at);
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return;
      this.#at++;
    }
  }

  #enter(): void {
    if (this.#path.length >= MAX_DEPTH) this.#fail(`nested deeper than ${MAX_DEPTH} levels`);
  }

  /** Steps over the closing bracket of an empty object or array. */
  #close<T>(value: T): T {
    this.#at++;
    return value;
  }

  #fail(message: string, problem: StrictJsonProblem = 'SYNTAX', offset = this.#at): never {
    throw new Refusal(problem, message, offset);
  }
}
