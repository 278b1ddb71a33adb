import type { Db } from '../../../libs/store/db.js';

/** Text found somewhere Vigil keeps, logs, sends or serves, named so a hit says where to look. */
export interface Haystack {
  where: string;
  text: string;
}

export interface Hit {
  label: string;
  value: string;
  where: string;
  /** The hit with some context, so the failure message shows the leak itself. */
  excerpt: string;
}

/**
 * The forms a raw value can take on the way out: as is, URL-encoded (paths, query strings) and
 * JSON-escaped (a `/` as `\/`, as ClickHouse writes JSON). Compared case-insensitively.
 */
function variants(value: string): string[] {
  const forms = new Set([value, encodeURIComponent(value), value.replaceAll('/', '\\/')]);
  return [...forms].map((f) => f.toLowerCase());
}

const ALNUM = /[a-z0-9]/;
const PERCENT_ESCAPE = /%[0-9a-f]{2}$/;

/**
 * A match is a leak only when the value stands alone: a short numeric id also turns up by chance
 * inside longer digit runs (a float in /metrics, a hex hash, a UUID), which carry no identifier.
 * A `%2F` before the value (an encoded path) counts as a separator, not as part of a longer run.
 */
function standsAlone(lower: string, at: number, length: number): boolean {
  const before = lower.slice(Math.max(0, at - 3), at);
  const after = lower.charAt(at + length);
  const boundedBefore = before === '' || !ALNUM.test(before.charAt(before.length - 1)) || PERCENT_ESCAPE.test(before);
  return boundedBefore && (after === '' || !ALNUM.test(after));
}

/** Where a form first stands alone in the text, or -1. */
function firstStandingAlone(lower: string, form: string): number {
  for (let i = lower.indexOf(form); i >= 0; i = lower.indexOf(form, i + 1)) {
    if (standsAlone(lower, i, form.length)) return i;
  }
  return -1;
}

/** Every occurrence of every raw value in every haystack (the first per value and haystack). */
export function findRawValues(raws: readonly { label: string; value: string }[], haystacks: readonly Haystack[]): Hit[] {
  const hits: Hit[] = [];
  const needles = raws.map((r) => ({ ...r, forms: variants(r.value) }));
  for (const h of haystacks) {
    const lower = h.text.toLowerCase();
    for (const n of needles) {
      for (const form of n.forms) {
        const i = firstStandingAlone(lower, form);
        if (i < 0) continue;
        hits.push({ label: n.label, value: n.value, where: h.where, excerpt: h.text.slice(Math.max(0, i - 80), i + form.length + 80) });
        break;
      }
    }
  }
  return hits;
}

/** One line per hit, for the failure message. */
export function describeHits(hits: readonly Hit[], max = 40): string {
  const lines = hits.slice(0, max).map((h) => `- ${h.label} (${h.value}) in ${h.where}: …${h.excerpt}…`);
  if (hits.length > max) lines.push(`… and ${hits.length - max} more`);
  return lines.join('\n');
}

export interface TableDump {
  table: string;
  rows: Record<string, unknown>[];
}

/** Every table of Vigil's database, as listed by ClickHouse itself (nothing hard-coded). */
export async function dumpAllTables(db: Db, database: string): Promise<TableDump[]> {
  const tables = await db.query<{ name: string }>("SELECT name FROM system.tables WHERE database = {database:String} ORDER BY name", { database });
  const dumps: TableDump[] = [];
  for (const { name } of tables) {
    // Every column of every stored row (FINAL would hide replaced versions, which are stored too).
    const rows = await db.query<Record<string, unknown>>(`SELECT * FROM {db}.\`${name}\``);
    dumps.push({ table: name, rows });
  }
  return dumps;
}

/**
 * One haystack per table column: every row's value as text (strings as stored, everything else as
 * JSON), so a hit names table and column. `skip` leaves out columns whose content is expected to
 * be secret material the product must keep (named by the caller, with its reason).
 */
export function tableHaystacks(dumps: readonly TableDump[], skip: (table: string, column: string) => boolean = () => false): Haystack[] {
  const out: Haystack[] = [];
  for (const { table, rows } of dumps) {
    const columns = new Map<string, string[]>();
    rows.forEach((row, i) => {
      for (const [column, value] of Object.entries(row)) {
        if (skip(table, column)) continue;
        const text = typeof value === 'string' ? value : JSON.stringify(value);
        let list = columns.get(column);
        if (!list) columns.set(column, (list = []));
        list.push(`[row ${i}] ${text}`);
      }
    });
    for (const [column, values] of columns) out.push({ where: `table ${table}, column ${column}`, text: values.join('\n') });
  }
  return out;
}
