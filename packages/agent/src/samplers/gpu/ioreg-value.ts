/**
 * ioreg's value syntax (numbers, "strings", <data>, Yes/No, (arrays) and {"key"=dicts}) as a small
 * recursive reader, so ioreg-parse.ts can take PerformanceStatistics apart by key. It throws an
 * IoregSyntaxError with a readable reason on truncated or garbled text; its caller keeps going.
 */

export type IoregValue = number | bigint | string | boolean | IoregData | IoregValue[] | IoregDict;
export type IoregDict = Map<string, IoregValue>;
export interface IoregData {
  data: string;
}

const MAX_DEPTH = 64;

export class IoregSyntaxError extends Error {}

/**
 * One whole property value; throws on anything else (trailing text, truncation). A bare word
 * at the top level is ioreg's own note, e.g. `IOCommand is not serializable`, kept as a string.
 */
export function parseIoregValue(text: string): IoregValue {
  const reader = { text, at: 0 };
  const trimmed = text.trim();
  if (/^[A-Za-z]/.test(trimmed) && trimmed !== 'Yes' && trimmed !== 'No') {
    return trimmed;
  }
  const value = readValue(reader, 0);
  skipSpace(reader);
  if (reader.at < text.length) {
    throw new IoregSyntaxError(`unexpected ${JSON.stringify(text.slice(reader.at, reader.at + 12))}`);
  }
  return value;
}

interface Reader {
  text: string;
  at: number;
}

function skipSpace(reader: Reader): void {
  while (reader.at < reader.text.length && /\s/.test(reader.text[reader.at] ?? '')) {
    reader.at += 1;
  }
}

function readUntil(reader: Reader, close: string, what: string): string {
  const end = reader.text.indexOf(close, reader.at + 1);
  if (end < 0) {
    throw new IoregSyntaxError(`${what} not closed (truncated?)`);
  }
  const inner = reader.text.slice(reader.at + 1, end);
  reader.at = end + 1;
  return inner;
}

function readValue(reader: Reader, depth: number): IoregValue {
  if (depth > MAX_DEPTH) {
    throw new IoregSyntaxError(`nested deeper than ${MAX_DEPTH}`);
  }
  skipSpace(reader);
  const char = reader.text[reader.at];
  if (char === '{' || char === '(') {
    return readContainer(reader, depth, char);
  }
  if (char === '"') {
    return readUntil(reader, '"', 'string');
  }
  if (char === '<') {
    return { data: readUntil(reader, '>', 'data') };
  }
  const word = /^(?:-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?|Yes|No)(?=$|[\s,)}])/.exec(reader.text.slice(reader.at));
  if (!word) {
    const found =
      char === undefined ? 'end of text' : JSON.stringify(reader.text.slice(reader.at, reader.at + 12));
    throw new IoregSyntaxError(`expected a value, found ${found}`);
  }
  reader.at += word[0].length;
  if (word[0] === 'Yes' || word[0] === 'No') {
    return word[0] === 'Yes';
  }
  const number = Number(word[0]);
  if (!/^-?\d+$/.test(word[0]) && !Number.isFinite(number)) {
    // A garbled exponent (`1e345`) would otherwise be Infinity in the tree.
    throw new IoregSyntaxError(`number ${JSON.stringify(word[0].slice(0, 24))} is out of range`);
  }
  // Some counters are 64-bit (e.g. AGXParameterBufferMaxSize = 18446744071562067968): keep them exact.
  return /^-?\d+$/.test(word[0]) && !Number.isSafeInteger(number) ? BigInt(word[0]) : number;
}

function readContainer(reader: Reader, depth: number, open: '{' | '('): IoregDict | IoregValue[] {
  const close = open === '{' ? '}' : ')';
  const dict: IoregDict = new Map();
  const list: IoregValue[] = [];
  reader.at += 1;
  skipSpace(reader);
  if (reader.text[reader.at] === close) {
    reader.at += 1;
    return open === '{' ? dict : list;
  }
  for (;;) {
    skipSpace(reader);
    if (reader.at >= reader.text.length) {
      throw new IoregSyntaxError(`${open}…${close} not closed (truncated?)`);
    }
    if (open === '{') {
      if (reader.text[reader.at] !== '"') {
        throw new IoregSyntaxError(`expected a "key" at column ${reader.at + 1}`);
      }
      const key = readUntil(reader, '"', 'key');
      skipSpace(reader);
      if (reader.text[reader.at] !== '=') {
        throw new IoregSyntaxError(`expected = after "${key}"`);
      }
      reader.at += 1;
      dict.set(key, readValue(reader, depth + 1));
    } else {
      list.push(readValue(reader, depth + 1));
    }
    skipSpace(reader);
    const next = reader.text[reader.at];
    reader.at += 1;
    if (next === close) {
      return open === '{' ? dict : list;
    }
    if (next !== ',') {
      throw new IoregSyntaxError(
        next === undefined ? `${open}…${close} not closed (truncated?)` : `expected , or ${close}`,
      );
    }
  }
}
