// Mirrored bodies can hold PHI (names, SSNs, whole Patient resources), so a dead letter must never
// keep one (docs/phi.md). maskBodies replaces the value of every body member of a JSON line,
// whatever its type (string, object, array), also when the line is cut off or not valid JSON.
// NOTE on cost: one regex pass for the member names (no backtracking: a fixed alternation) and one
// forward scan per value; every character is looked at a bounded number of times.

/** Member names gateways log bodies under (Kong request.body / response.body, nginx, native). */
const BODY_MEMBER = /"(body|request_body|response_body|resp_body|requestBody|responseBody)"[ \t\r\n]*:[ \t\r\n]*/g;
const MASK = '"[REDACTED BODY]"';

export function maskBodies(text: string): string {
  if (!text.includes('ody"')) return text;
  let out = '';
  let from = 0;
  BODY_MEMBER.lastIndex = 0;
  for (let m = BODY_MEMBER.exec(text); m !== null; m = BODY_MEMBER.exec(text)) {
    const start = m.index + m[0].length;
    const end = valueEnd(text, start);
    out += text.slice(from, start) + MASK;
    from = end;
    BODY_MEMBER.lastIndex = end;
  }
  return from === 0 ? text : out + text.slice(from);
}

/** Index just past the JSON value starting at `i`, or the end of the text when it is cut off. */
function valueEnd(text: string, i: number): number {
  const n = text.length;
  const c = text.charCodeAt(i);
  if (c === 0x22) return stringEnd(text, i);
  if (c !== 0x7b && c !== 0x5b) {
    // number, true, false, null: up to the next delimiter
    let j = i;
    while (j < n) {
      const d = text.charCodeAt(j);
      if (d === 0x2c || d === 0x7d || d === 0x5d) break;
      j++;
    }
    return j;
  }
  let depth = 0;
  let j = i;
  while (j < n) {
    const d = text.charCodeAt(j);
    if (d === 0x22) {
      j = stringEnd(text, j);
      continue;
    }
    if (d === 0x7b || d === 0x5b) depth++;
    else if (d === 0x7d || d === 0x5d) {
      depth--;
      if (depth === 0) return j + 1;
    }
    j++;
  }
  return n;
}

function stringEnd(text: string, i: number): number {
  let j = i + 1;
  while (j < text.length) {
    const d = text.charCodeAt(j);
    if (d === 0x5c) j += 2;
    else if (d === 0x22) return j + 1;
    else j++;
  }
  return text.length;
}
