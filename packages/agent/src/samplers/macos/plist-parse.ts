/**
 * A minimal XML property-list reader, because `powermetrics -f plist` is the only format it writes
 * and no plist package is installed in the agent (node_modules has none; adding a dependency for
 * one root-only reader is not worth it). It reads exactly the element types Apple's plist DTD
 * defines for values: dict/key, array, string, integer, real, true, false, date and data; `data`
 * and `date` stay strings. Anything else, or unbalanced tags, is a thrown error that names the tag.
 */

export type PlistValue = string | number | boolean | PlistValue[] | { [key: string]: PlistValue };
export type PlistDict = { [key: string]: PlistValue };

/** powermetrics nests a few levels; far deeper is garbage, and would overflow the stack. */
const MAX_DEPTH = 64;

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decodeText(raw: string): string {
  return raw.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, name: string) => {
    if (name.startsWith('#')) {
      const hex = name.startsWith('#x') || name.startsWith('#X');
      const code = hex ? parseInt(name.slice(2), 16) : Number(name.slice(1));
      // Past U+10FFFF fromCodePoint throws a RangeError; such a reference is kept as written.
      return code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return ENTITIES[name] ?? whole;
  });
}

// One token per tag: `<name>`, `</name>` or `<name/>`, with the text that follows it.
const TAG = /<(\/?)([a-zA-Z]+)[^>]*?(\/?)>([^<]*)/g;

interface Token {
  close: boolean;
  name: string;
  empty: boolean;
  text: string;
}

function tokenize(xml: string): Token[] {
  const body = xml.replace(/<\?[\s\S]*?\?>|<!DOCTYPE[^>]*>|<!--[\s\S]*?-->/g, '');
  return [...body.matchAll(TAG)].map((m) => ({
    close: m[1] === '/',
    name: m[2] ?? '',
    empty: m[3] === '/',
    text: m[4] ?? '',
  }));
}

/** Parses one `<plist>` document and returns its top-level value. */
export function parsePlist(xml: string): PlistValue {
  const tokens = tokenize(xml);
  let at = 0;
  const next = (): Token => {
    const token = tokens[at++];
    if (token === undefined) throw new Error('plist ends early');
    return token;
  };
  const expectClose = (name: string): void => {
    const token = next();
    if (!token.close || token.name !== name)
      throw new Error(`plist: expected </${name}>, got <${token.name}>`);
  };
  const scalar = (token: Token): string => {
    if (token.empty) return '';
    expectClose(token.name);
    return decodeText(token.text);
  };
  const value = (token: Token, depth = 0): PlistValue => {
    if (depth > MAX_DEPTH) throw new Error(`plist: nested deeper than ${MAX_DEPTH}`);
    if (token.close) throw new Error(`plist: unexpected </${token.name}>`);
    switch (token.name) {
      case 'true':
      case 'false':
        if (!token.empty) expectClose(token.name);
        return token.name === 'true';
      case 'string':
      case 'date':
      case 'data':
        return scalar(token);
      case 'integer':
      case 'real': {
        const text = scalar(token).trim();
        const number = Number(text);
        if (text === '' || !Number.isFinite(number))
          throw new Error(`plist: <${token.name}> "${text}" is not a number`);
        return number;
      }
      case 'array': {
        const items: PlistValue[] = [];
        if (token.empty) return items;
        for (let item = next(); !(item.close && item.name === 'array'); item = next())
          items.push(value(item, depth + 1));
        return items;
      }
      case 'dict': {
        const dict: PlistDict = {};
        if (token.empty) return dict;
        for (let key = next(); !(key.close && key.name === 'dict'); key = next()) {
          if (key.name !== 'key' || key.close)
            throw new Error(`plist: expected <key> in <dict>, got <${key.name}>`);
          const name = scalar(key);
          dict[name] = value(next(), depth + 1);
        }
        return dict;
      }
      default:
        throw new Error(`plist: unsupported element <${token.name}>`);
    }
  };
  const open = next();
  if (open.name !== 'plist' || open.close) throw new Error(`plist: expected <plist>, got <${open.name}>`);
  const root = value(next());
  expectClose('plist');
  return root;
}

/**
 * `powermetrics -f plist` writes one document per sample separated by NUL (asitop splits on
 * `\x00`); returns the last one that parses, so a sample cut off mid-write is skipped.
 */
export function parseLastPlist(output: string): PlistValue {
  const documents = output.split('\0').filter((part) => part.includes('<plist'));
  let lastError: unknown = new Error('no <plist> document in the output');
  for (let i = documents.length - 1; i >= 0; i--) {
    try {
      return parsePlist(documents[i] ?? '');
    } catch (error) {
      lastError = error;
    }
  }
  throw lastError;
}

export function isPlistDict(value: PlistValue | undefined): value is PlistDict {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
