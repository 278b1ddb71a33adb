import type { TopicPartition } from '../../libs/kafka/index.js';

/**
 * Per-principal detector state handoff between detect instances, called by the consumer loop's
 * partition hooks (libs/kafka PartitionHooks). Principals map to partitions by Kafka's key hash
 * (the key is the principal id), so an implementation saves and loads the state of the principals
 * whose events it saw on those partitions, e.g. into a ClickHouse table keyed by
 * (topic, partition, principal). NOT IMPLEMENTED here: the baselines work fills it in; until then
 * a new owner starts those principals' detector state empty (alerts themselves carry over, see
 * services/kafka/index.ts).
 *
 * Contract:
 * - `save(partitions)` runs after the last commit of partitions this instance gives up (graceful
 *   stop: before it leaves the group; rebalance: as it starts, see PartitionHooks' NOTE).
 * - `load(partitions)` runs before the first event of newly assigned partitions is detected on.
 * - Both may throw; the loop then stops (the process exits non-zero and a restart resumes).
 */
export interface DetectorStateHandoff {
  load(partitions: TopicPartition[]): Promise<void>;
  save(partitions: TopicPartition[]): Promise<void>;
}

export const NO_HANDOFF: DetectorStateHandoff = {
  load: () => Promise.resolve(),
  save: () => Promise.resolve(),
};
