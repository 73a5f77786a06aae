/**
 * Describes where a JSON text is broken (line and column), for StoreCorruptError. V8's JSON.parse
 * messages only sometimes carry a position and sometimes quote the input (which may be a child's
 * incident report), so we locate the error with a small scanner and keep only the generic reason.
 */

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const HEX4 = /[0-9a-fA-F]{4}/y;

/** Offset of the first syntax error in `text`, or -1 when it is valid JSON. */
export function jsonErrorOffset(text: string): number {
  let i = 0;
  const fail = (): never => {
    throw new ScanError(i);
  };
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
  };
  const expect = (ch: string) => {
    if (text[i] !== ch) fail();
    i++;
  };
  const word = (w: string) => {
    for (const ch of w) expect(ch);
  };
  const str = () => {
    expect('"');
    for (;;) {
      const c = text[i];
      if (c === undefined || c < ' ') fail();
      i++;
      if (c === '"') return;
      if (c !== '\\') continue;
      const e = text[i];
      if (e === 'u') {
        HEX4.lastIndex = i + 1;
        if (!HEX4.test(text)) fail();
        i += 5;
      } else if (e !== undefined && '"\\/bfnrt'.includes(e)) i++;
      else fail();
    }
  };
  const value = (): void => {
    ws();
    const c = text[i];
    if (c === '{') return container('}', () => (str(), ws(), expect(':'), value()));
    if (c === '[') return container(']', value);
    if (c === '"') return str();
    if (c === 't') return word('true');
    if (c === 'f') return word('false');
    if (c === 'n') return word('null');
    NUMBER.lastIndex = i;
    if (!NUMBER.test(text)) fail();
    i = NUMBER.lastIndex;
  };
  const container = (close: string, item: () => void) => {
    i++;
    ws();
    if (text[i] === close) return void i++;
    for (;;) {
      ws();
      item();
      ws();
      if (text[i] === ',') i++;
      else return expect(close);
    }
  };
  try {
    value();
    ws();
    if (i < text.length) fail();
    return -1;
  } catch (e) {
    if (e instanceof ScanError) return e.offset;
    return -1; // e.g. nesting too deep for the scanner: report without a position
  }
}

class ScanError {
  constructor(readonly offset: number) {}
}

/** "line L, column C: reason" for a text that JSON.parse rejected with `err`. Never quotes the text. */
export function describeJsonError(text: string, err: unknown): string {
  const raw = err instanceof Error ? err.message : String(err);
  const reason = raw
    .replace(/,\s*".*" is not valid JSON$/s, '')
    .replace(/\s+in JSON at position \d+.*$/s, '')
    .replace(/ \(line \d+ column \d+\)$/, '');
  if (text.trim() === '') return 'the file is empty';
  const offset = jsonErrorOffset(text);
  if (offset < 0) return `invalid JSON: ${reason}`;
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  const column = offset - before.lastIndexOf('\n');
  return `invalid JSON at line ${line}, column ${column}: ${reason}`;
}
