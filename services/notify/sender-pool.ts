import type { DestinationWithSecrets } from '../../libs/contracts/index.js';
import type { CreateSender, Sender, SenderDeps } from './types.js';

export interface SenderPool {
  /** The sender for this destination as it is now; a changed destination (updatedAt) gets a new one. */
  get(d: DestinationWithSecrets): Sender;
  closeAll(): Promise<void>;
}

/**
 * One sender per destination, so syslog connections are reused across deliveries. NOTE: a sender
 * replaced after an edit is closed at once; an attempt still using it ends as a retry.
 */
export function createSenderPool(createSender: CreateSender, deps: SenderDeps): SenderPool {
  const pool = new Map<string, { updatedAt: string; sender: Sender }>();
  const retired: Sender[] = [];
  return {
    get(d) {
      const cur = pool.get(d.id);
      if (cur && cur.updatedAt === d.updatedAt) return cur.sender;
      if (cur) retired.push(cur.sender);
      const sender = createSender(d, deps);
      pool.set(d.id, { updatedAt: d.updatedAt, sender });
      return sender;
    },
    async closeAll() {
      const all = [...retired.splice(0), ...[...pool.values()].map((p) => p.sender)];
      pool.clear();
      await Promise.allSettled(all.map((s) => s.close()));
    },
  };
}
