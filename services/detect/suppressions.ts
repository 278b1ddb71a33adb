import { createHash, randomBytes } from 'node:crypto';
import type { Finding, Suppression, SuppressionInput } from '../../libs/contracts/index.js';
import type { Store } from '../../libs/store/types.js';

/** How long marking an alert false_positive keeps its near-duplicates quiet, from its lastSeen. */
export const FALSE_POSITIVE_DAYS = 30;

export interface Suppressor {
  /** Loads the live rules; call once at start, before the first finding. */
  load(): Promise<void>;
  /** The first rule that silences this finding, if any. Expiry is compared with event time. */
  match(f: Pick<Finding, 'principal' | 'route' | 'detector' | 'ts'>): Suppression | undefined;
  list(): Suppression[];
  add(input: SuppressionInput): Promise<Suppression>;
  /** The rule a false_positive verdict creates: same principal + detector + route, one per triple. */
  addFalsePositive(a: { principal: string; detector: string; route: string; lastSeen: string; note?: string }): Promise<Suppression>;
  remove(id: string): Promise<boolean>;
}

/**
 * Suppression rules kept in memory (there are few; every finding is checked) and in the store.
 * NOTE: rules act on findings before they become alerts, so a suppressed repeat neither opens an
 * alert nor bumps an existing one; the findings are still counted in metrics by the pipeline.
 */
export function createSuppressor(deps: { store: Store; now?: () => Date }): Suppressor {
  const now = deps.now ?? (() => new Date());
  let rules: Suppression[] = [];

  async function save(s: Suppression): Promise<Suppression> {
    await deps.store.upsertSuppression(s);
    rules = [...rules.filter((r) => r.id !== s.id), s];
    return s;
  }

  return {
    async load() {
      rules = await deps.store.listSuppressions();
    },
    match(f) {
      return rules.find(
        (r) =>
          (r.principal === undefined || r.principal === f.principal) &&
          (r.route === undefined || r.route === f.route) &&
          (r.detector === undefined || r.detector === f.detector) &&
          (r.expiresAt === undefined || Date.parse(r.expiresAt) >= f.ts),
      );
    },
    list: () => [...rules],
    add(input) {
      return save({ id: `sup_${randomBytes(8).toString('hex')}`, ...input, source: 'rule', createdAt: now().toISOString() });
    },
    addFalsePositive(a) {
      const id = `sup_fp_${createHash('sha256').update(`${a.principal}\u0000${a.detector}\u0000${a.route}`).digest('hex').slice(0, 16)}`;
      return save({
        id,
        principal: a.principal,
        detector: a.detector,
        route: a.route,
        reason: a.note ?? 'marked false positive',
        source: 'false_positive',
        createdAt: now().toISOString(),
        expiresAt: new Date(Date.parse(a.lastSeen) + FALSE_POSITIVE_DAYS * 86_400_000).toISOString(),
      });
    },
    async remove(id) {
      const ok = await deps.store.deleteSuppression(id);
      rules = rules.filter((r) => r.id !== id);
      return ok;
    },
  };
}
