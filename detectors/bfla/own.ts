import type { NormalizedEvent } from '../../libs/contracts/index.js';
import { createBoundedCache, type BoundedCache } from '../../libs/cache/index.js';

/**
 * Objects principals created (201 with a Location), so a privileged method on one of them (a patient
 * cancelling the appointment it booked: DELETE) is read as acting on its own object, not as a
 * function its role lacks. NOTE: in memory only, not in the bfla snapshot: after a restart a
 * principal's own earlier creations are judged like anyone's objects again, as before this existed.
 */
export type Creations = BoundedCache<number>;

const CAP = 200_000;

export function newCreations(): Creations {
  return createBoundedCache<number>(CAP);
}

/** Remembers what a successful `event` created, by principal and object. */
export function rememberCreations(created: Creations, event: NormalizedEvent): void {
  if (event.status < 200 || event.status >= 300) return;
  for (const o of event.objects) if (o.created) created.set(`${event.principal.id} ${o.type}/${o.id}`, event.ts);
}

/** True when the object `event` names in its path is one its principal created within `withinMs`. */
export function actsOnOwnCreation(created: Creations, event: NormalizedEvent, withinMs: number): boolean {
  for (const o of event.objects) {
    if (o.via !== 'path') continue;
    const at = created.get(`${event.principal.id} ${o.type}/${o.id}`);
    if (at !== undefined && event.ts - at <= withinMs && event.ts >= at) return true;
  }
  return false;
}
