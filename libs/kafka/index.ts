export { createKafkaClient, kafkaOptions, type KafkaClientConfig } from './client.js';
export { createConsumerLoop, type BatchHandler, type ConsumedMessage, type ConsumerLoop, type ConsumerLoopConfig, type PartitionHooks, type TopicPartition } from './consumer-loop.js';
export { createDeadLetterTopic, DEAD_LETTER_HEADERS, type DeadLetterTopic } from './dead-letters.js';
export { createProducer, type KafkaProducer, type OutRecord } from './producer.js';
export { isRetriable } from './retry.js';
export { committedOffsets, committedTotal, ensureTopics } from './topics.js';
export { createWatermark, type Watermark } from './watermark.js';
