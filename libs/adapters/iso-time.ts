// ISO 8601 UTC timestamps without Date.prototype.toISOString on the hot path: it costs more than a
// microsecond per call, and every event's time goes through here (budget ~20 µs per event).
// Output is byte-for-byte what toISOString writes for years 1970-9999 (iso-time.test.ts checks).

const MAX_FAST_MS = 253_402_300_799_999; // 9999-12-31T23:59:59.999Z

function pad2(n: number): string {
  return n < 10 ? `0${n}` : `${n}`;
}

function pad3(n: number): string {
  return n < 10 ? `00${n}` : n < 100 ? `0${n}` : `${n}`;
}

/** Epoch milliseconds to "YYYY-MM-DDTHH:MM:SS.sssZ"; undefined outside the Date range. */
export function isoFromMs(epochMs: number): string | undefined {
  if (!Number.isFinite(epochMs)) return undefined;
  const ms = Math.floor(epochMs);
  if (ms < 0 || ms > MAX_FAST_MS) {
    if (Math.abs(ms) > 8.64e15) return undefined;
    return new Date(ms).toISOString();
  }
  const days = Math.floor(ms / 86_400_000);
  let rest = ms - days * 86_400_000;
  const hour = Math.floor(rest / 3_600_000);
  rest -= hour * 3_600_000;
  const minute = Math.floor(rest / 60_000);
  rest -= minute * 60_000;
  const second = Math.floor(rest / 1000);
  const milli = rest - second * 1000;
  // Days since 1970-01-01 to a civil date (H. Hinnant's days_from_civil, inverted), non-negative days only.
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  return `${year}-${pad2(month)}-${pad2(day)}T${pad2(hour)}:${pad2(minute)}:${pad2(second)}.${pad3(milli)}Z`;
}

function num(s: string, start: number, len: number): number {
  let n = 0;
  for (let i = start; i < start + len; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    n = n * 10 + c;
  }
  return n;
}

const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const DASH = 0x2d;
const T = 0x54;
const COLON = 0x3a;
const DOT = 0x2e;
const Z = 0x5a;

/** True for exactly "YYYY-MM-DDTHH:MM:SS.sssZ" naming a real calendar instant (no leap seconds). */
export function isIsoZ(t: string): boolean {
  // Character codes rather than t[i]: indexing makes a one-character string per test.
  if (t.length !== 24 || t.charCodeAt(4) !== DASH || t.charCodeAt(7) !== DASH || t.charCodeAt(10) !== T) return false;
  if (t.charCodeAt(13) !== COLON || t.charCodeAt(16) !== COLON || t.charCodeAt(19) !== DOT || t.charCodeAt(23) !== Z) return false;
  const year = num(t, 0, 4);
  const month = num(t, 5, 2);
  const day = num(t, 8, 2);
  if (year < 0 || month < 1 || month > 12 || day < 1) return false;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const maxDay = month === 2 && leap ? 29 : (DAYS[month - 1] ?? 0);
  if (day > maxDay) return false;
  const hour = num(t, 11, 2);
  const minute = num(t, 14, 2);
  const second = num(t, 17, 2);
  return hour >= 0 && hour <= 23 && minute >= 0 && minute <= 59 && second >= 0 && second <= 59 && num(t, 20, 3) >= 0;
}

/**
 * Date.parse(text), computed here for "YYYY-MM-DDTHH:MM:SS.sssZ" (what every adapter writes), where
 * Date.parse costs ~0.3 µs per event; other text goes to Date.parse. NaN when it is not a date.
 */
export function parseIsoMs(text: string): number {
  if (!isIsoZ(text)) return Date.parse(text);
  const year = num(text, 0, 4);
  const month = num(text, 5, 2);
  const day = num(text, 8, 2);
  // H. Hinnant's days_from_civil: years counted from March, so the leap day ends a year.
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  const days = era * 146_097 + doe - 719_468;
  return days * 86_400_000 + num(text, 11, 2) * 3_600_000 + num(text, 14, 2) * 60_000 + num(text, 17, 2) * 1000 + num(text, 20, 3);
}

/** Any ISO 8601 / RFC 3339 text to "...Z" with milliseconds; text already in that form is kept as is. */
export function toIsoZ(text: string): string | undefined {
  if (isIsoZ(text)) return text;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : isoFromMs(ms);
}
