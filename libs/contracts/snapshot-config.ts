import { z } from 'zod';

/**
 * Baseline persistence (docs/baselines.md), in the `detection` section of the config:
 * - `snapshotIntervalSeconds`: wall-clock seconds between incremental snapshots of learned
 *   baselines to ClickHouse, so a crash (kill -9) loses at most one interval of learning. 0 turns
 *   periodic snapshots off (baselines are then saved only on a clean stop). Env
 *   VIGIL_SNAPSHOT_INTERVAL_SECONDS.
 * - `handoffWaitSeconds`: Kafka detect role: how long a new owner of a partition waits for its
 *   previous owner's snapshot to reach the offset the group committed, before it loads what is
 *   there (the previous owner crashed). Kept under the consumer's session timeout (30 s), because
 *   the wait holds the consumer loop. Env VIGIL_HANDOFF_WAIT_SECONDS.
 */
export const SnapshotIntervalSchema = z.coerce.number().int().min(0).max(86_400).default(300);
export const HandoffWaitSchema = z.coerce.number().min(0).max(20).default(10);

export const SNAPSHOT_DEFAULTS = { snapshotIntervalSeconds: 300, handoffWaitSeconds: 10 };
