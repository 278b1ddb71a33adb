/**
 * Small pure helpers shared by the store's modules: splitting migration files into statements and
 * converting between Vigil's time representations and what ClickHouse accepts and returns.
 */

/**
 * Splits a migration file into statements. A statement ends at a `;` that closes a line; lines that
 * hold only a `--` comment are dropped first, so a comment ending in `;` can never end a statement.
 * NOTE: a `;` at the end of a line inside a string literal would also split; migrations don't do that.
 */
export function splitSql(text: string): string[] {
  const statements: string[] = [];
  let current: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    const trimmed = line.trim();
    if (trimmed.startsWith('--')) continue;
    if (trimmed.endsWith(';')) {
      current.push(line.replace(/;\s*$/, ''));
      pushStatement(statements, current);
      current = [];
    } else {
      current.push(line);
    }
  }
  pushStatement(statements, current);
  return statements;
}

function pushStatement(into: string[], lines: string[]): void {
  const sql = lines.join('\n').trim();
  if (sql.length > 0) into.push(sql);
}

/**
 * Epoch ms to the 'YYYY-MM-DD hh:mm:ss.sss' UTC text every ClickHouse parses.
 * NOTE: chDB defaults to date_time_input_format=best_effort but a server defaults to basic, which
 * rejects ISO strings with T/Z; this form works on both without per-query settings.
 */
export function toChTime(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').slice(0, 23);
}

/** ISO 8601 (any offset) to the ClickHouse text form; throws on text Date cannot parse. */
export function isoToChTime(iso: string): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new RangeError(`not an ISO 8601 time: ${iso}`);
  return toChTime(ms);
}

/** Epoch ms (as ClickHouse returns 64-bit integers: number in chDB, string on a server) to ISO. */
export function msToIso(ms: number | string): string {
  return new Date(toNumber(ms)).toISOString();
}

/**
 * 64-bit integers come back as JSON numbers from chDB but as quoted strings from a server
 * (output_format_json_quote_64bit_integers defaults differ), so every count goes through here.
 */
export function toNumber(v: number | string): number {
  return typeof v === 'number' ? v : Number(v);
}

/** HTTP status class as the API shows it: 200 -> '2xx', 0 (no response) -> '0xx'. */
export const STATUS_CLASS_SQL = "concat(toString(intDiv(status, 100)), 'xx')";

