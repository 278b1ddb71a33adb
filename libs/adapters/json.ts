// JSON parsing for source lines. JSON.parse does the work; only when it fails do we scan the text
// ourselves to name the position and what went wrong.
// NOTE: V8's own messages are never passed on: they quote the input ("... is not valid JSON"),
// and the input may hold bearer tokens, which must not end up in a dead letter's reason.

export type JsonResult = { ok: true; value: unknown } | { ok: false; reason: string };

export function parseJson(text: string): JsonResult {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false, reason: describeJsonError(text) };
  }
}

/** "invalid JSON at position 17: expected ',' or '}'"; positions are 0-based UTF-16 offsets. */
export function describeJsonError(text: string): string {
  const { position, problem } = locateJsonError(text);
  return `invalid JSON at position ${position}: ${problem}`;
}

interface Located {
  position: number;
  problem: string;
}

const WS = new Set([0x20, 0x09, 0x0a, 0x0d]);

/**
 * A minimal JSON syntax walker that stops at the first error. It mirrors JSON.parse's grammar
 * closely enough to point at the offending character; it is only run on lines that failed.
 */
export function locateJsonError(text: string): Located {
  let i = 0;
  const n = text.length;
  const fail = (problem: string): Located => ({ position: i, problem });
  const end = (): Located => ({ position: n, problem: 'unexpected end of input (truncated line?)' });
  const skipWs = (): void => {
    while (i < n && WS.has(text.charCodeAt(i))) i++;
  };
  const unexpected = (expected: string): Located => {
    if (i >= n) return end();
    const c = text[i] ?? '';
    const shown = c >= ' ' && c <= '~' ? `'${c}'` : `character U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
    return fail(`unexpected ${shown}, expected ${expected}`);
  };

  const str = (): Located | undefined => {
    i++; // opening quote
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        i++;
        return undefined;
      }
      if (c < 0x20) return fail('control character in string (must be escaped)');
      if (c === 0x5c) {
        const e = text[i + 1];
        if (e === undefined) return end();
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) return fail('bad \\u escape in string');
          i += 6;
        } else if ('"\\/bfnrt'.includes(e)) i += 2;
        else return fail(`bad escape '\\${e}' in string`);
      } else i++;
    }
    return end();
  };

  const lit = (word: string): Located | undefined => {
    for (let k = 0; k < word.length; k++, i++) {
      if (i >= n) return end();
      if (text[i] !== word[k]) return unexpected(`'${word}'`);
    }
    return undefined;
  };

  const num = (): Located | undefined => {
    const m = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(text.slice(i, i + 400));
    if (!m || m[0] === '' || m[0] === '-') return unexpected('a value');
    i += m[0].length;
    return undefined;
  };

  // A loop with an explicit stack rather than recursion, so a hostile, deeply nested line cannot
  // overflow the call stack.
  const stack: number[] = []; // 0x7b '{' or 0x5b '['
  const key = (): Located | undefined => {
    skipWs();
    if (text.charCodeAt(i) !== 0x22) return unexpected("a property name in double quotes or '}'");
    const e = str();
    if (e) return e;
    skipWs();
    if (text.charCodeAt(i) !== 0x3a) return unexpected("':'");
    i++;
    return undefined;
  };
  let wantValue = true;
  for (;;) {
    let err: Located | undefined;
    if (wantValue) {
      skipWs();
      if (i >= n) return end();
      const c = text.charCodeAt(i);
      wantValue = false;
      if (c === 0x7b || c === 0x5b) {
        i++;
        skipWs();
        if (text.charCodeAt(i) === (c === 0x7b ? 0x7d : 0x5d)) i++;
        else {
          stack.push(c);
          wantValue = true;
          if (c === 0x7b) err = key();
        }
      } else if (c === 0x22) err = str();
      else if (c === 0x74) err = lit('true');
      else if (c === 0x66) err = lit('false');
      else if (c === 0x6e) err = lit('null');
      else err = num();
    } else {
      if (stack.length === 0) break;
      skipWs();
      const top = stack[stack.length - 1];
      const c = text.charCodeAt(i);
      if (c === 0x2c) {
        i++;
        wantValue = true;
        if (top === 0x7b) err = key();
      } else if ((top === 0x7b && c === 0x7d) || (top === 0x5b && c === 0x5d)) {
        stack.pop();
        i++;
      } else err = unexpected(top === 0x7b ? "',' or '}'" : "',' or ']'");
    }
    if (err) return err;
  }
  skipWs();
  if (i < n) return unexpected('end of line after the JSON value');
  // JSON.parse failed but the walker found nothing: still give a position rather than nothing.
  return { position: 0, problem: 'not valid JSON' };
}
