import type { Kafka } from 'kafkajs';

/**
 * Creates the topics that do not exist yet (existing ones are left as they are). Vigil calls it at
 * start so a fresh broker works without manual steps; production clusters usually pre-create them
 * with their own partition counts and retention.
 */
export async function ensureTopics(kafka: Kafka, topics: { topic: string; partitions: number }[]): Promise<string[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((t) => !existing.has(t.topic));
    if (missing.length > 0) {
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((t) => ({ topic: t.topic, numPartitions: t.partitions, replicationFactor: -1 })),
      });
    }
    return missing.map((t) => t.topic);
  } finally {
    await admin.disconnect();
  }
}

/** The group's committed offsets, summed over partitions (how far a group got), for tests and the bench. */
export async function committedTotal(kafka: Kafka, groupId: string, topic: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [entry] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return (entry?.partitions ?? []).reduce((n, p) => n + Math.max(0, Number(p.offset)), 0);
  } finally {
    await admin.disconnect();
  }
}

/**
 * The group's committed offset (the next offset it will consume) per partition of `topic`; a
 * partition without a commit is absent. Used by the baseline handoff to know what state a new owner
 * must start from.
 */
export async function committedOffsets(kafka: Kafka, groupId: string, topic: string): Promise<Map<number, bigint>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [entry] = await admin.fetchOffsets({ groupId, topics: [topic] });
    const out = new Map<number, bigint>();
    for (const p of entry?.partitions ?? []) if (BigInt(p.offset) >= 0n) out.set(p.partition, BigInt(p.offset));
    return out;
  } finally {
    await admin.disconnect();
  }
}
