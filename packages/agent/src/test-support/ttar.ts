import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';

/**
 * Unpacks a ttar text archive (the format node_exporter and procfs keep their /sys fixtures in) into
 * a fresh temp dir, so a sampler reads it through `createFsRoot(dir)` exactly as it reads `/`.
 *
 * Hand-written because there is no maintained npm package for ttar: the format is defined by the
 * bash script `ttar` in prometheus/node_exporter, and this follows its `extract` function:
 * `Directory:` (mkdir -p), `Path:` then `Lines: N` and N content lines, or `SymlinkTo:`, `Mode:`
 * (chmod), lines starting with `#` ignored. Inside content, `NULLBYTE` stands for a NUL byte, an
 * `EOF` after a character means "this line has no trailing newline", and `\NULLBYTE` / `\EOF` are
 * the escaped literals.
 */

export interface UnpackedTtar {
  /** The temp dir; `createFsRoot(root)` sees the archive's `sys/...` as `/sys/...`. */
  readonly root: string;
  remove(): void;
}

/** Unpacks one or more archives into the same fresh temp dir (say a hwmon and a thermal excerpt). */
export function unpackTtarFiles(...archivePaths: string[]): UnpackedTtar {
  return unpack(archivePaths.map((path) => ({ text: readFileSync(path, 'utf8'), source: path })));
}

export function unpackTtarText(text: string, source = 'ttar text'): UnpackedTtar {
  return unpack([{ text, source }]);
}

function unpack(archives: ReadonlyArray<{ text: string; source: string }>): UnpackedTtar {
  const root = mkdtempSync(join(tmpdir(), 'perimeter-ttar-'));
  try {
    for (const { text, source } of archives) {
      extractInto(root, text, source);
    }
  } catch (error) {
    rmSync(root, { recursive: true, force: true });
    throw error;
  }
  return { root, remove: () => rmSync(root, { recursive: true, force: true }) };
}

function extractInto(root: string, text: string, source: string): void {
  const lines = text.split('\n');
  if (lines.at(-1) === '') {
    lines.pop();
  }
  let path: string | null = null;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const where = `${source}:${i + 1}`;
    const [, keyword, value = ''] = /^(Path|Lines|Mode|Directory|SymlinkTo): (.*)$/.exec(line) ?? [];
    if (keyword === 'Path') {
      path = safeJoin(root, value, where);
      rmSync(path, { force: true });
    } else if (keyword === 'Directory') {
      path = safeJoin(root, value, where);
      mkdirSync(path, { recursive: true });
    } else if (keyword === 'Lines') {
      const target = requirePath(path, where);
      const count = Number(value);
      if (!Number.isInteger(count) || count < 0 || i + count >= lines.length) {
        throw new Error(`${where}: bad line count "${value}"`);
      }
      const content = lines.slice(i + 1, i + 1 + count).map(decodeContentLine);
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, content.join(''), 'utf8');
      i += count;
    } else if (keyword === 'SymlinkTo') {
      const target = requirePath(path, where);
      mkdirSync(dirname(target), { recursive: true });
      symlinkSync(value, target);
    } else if (keyword === 'Mode') {
      chmodSync(requirePath(path, where), Number.parseInt(value, 8));
    } else if (!line.startsWith('#')) {
      throw new Error(`${where}: unknown ttar line "${line}"`);
    }
  }
}

/** One archived line back to its original text, newline included unless marked EOF. */
function decodeContentLine(line: string): string {
  const endsWithoutNewline = /[^\\]EOF/.test(line);
  const decoded = line
    .replace(/(?<!\\)NULLBYTE/g, '\0')
    .replace(/\\NULLBYTE/g, 'NULLBYTE')
    .replace(/(?<=[^\\])EOF/g, '')
    .replace(/\\EOF/g, 'EOF');
  return endsWithoutNewline ? decoded : `${decoded}\n`;
}

function requirePath(path: string | null, where: string): string {
  if (path === null) {
    throw new Error(`${where}: content before any Path:`);
  }
  return path;
}

// Archive paths are relative; refusing `..` keeps a bad archive from writing outside the temp dir.
function safeJoin(root: string, relative: string, where: string): string {
  if (isAbsolute(relative) || relative.split('/').includes('..')) {
    throw new Error(`${where}: path "${relative}" leaves the archive root`);
  }
  return join(root, relative);
}
