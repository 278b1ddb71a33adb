import type { NormalizedEvent } from '../../libs/contracts/index.js';

/**
 * Creations a principal undoes: an object it created (201 with a Location) and then deleted again
 * within the repeat window. Booking a slot and cancelling it, over and over, writes no lasting data
 * yet holds or churns a scarce resource; unlike record creation (how clinical data is written) it
 * needs no learned population to be evidence, so undone creations are judged like repeats on one
 * existing object.
 */
export interface Created {
  /** The creating step (`POST /api/v1/appointments`): what was undone. */
  step: string;
  ts: number;
}

/** Creations remembered per principal: past this many in one window the oldest are forgotten. */
export const CREATED_CAP = 64;

/**
 * Remembers the objects `event` created (`type/id` of Location objects), pruning those older than
 * the window. The map is made on the principal's first creation (most principals never create).
 */
export function rememberCreated(holder: { created: Map<string, Created> | undefined }, event: NormalizedEvent, step: string, windowMs: number): void {
  for (const o of event.objects) {
    if (!o.created) continue;
    const created = (holder.created ??= new Map<string, Created>());
    for (const [k, c] of created) if (c.ts <= event.ts - windowMs) created.delete(k);
    if (created.size >= CREATED_CAP) created.delete(created.keys().next().value as string);
    created.set(`${o.type}/${o.id}`, { step, ts: event.ts });
  }
}

/**
 * The creating step a DELETE undoes: the path object is one the principal created within the
 * window (forgotten once undone, so deleting it twice counts once); else undefined.
 */
export function undoneBy(created: Map<string, Created>, event: NormalizedEvent, windowMs: number): Created | undefined {
  if (event.method !== 'DELETE') return undefined;
  for (const o of event.objects) {
    if (o.via !== 'path') continue;
    const key = `${o.type}/${o.id}`;
    const c = created.get(key);
    if (c === undefined) continue;
    created.delete(key);
    return c.ts > event.ts - windowMs ? c : undefined;
  }
  return undefined;
}
