// What vitest hands the Kafka tests (vitest's provide/inject): set in vitest.config.ts from the
// environment, completed by kafka-global-setup.ts once the broker answers.
declare module 'vitest' {
  export interface ProvidedContext {
    /** host:port list of the test broker; empty in the config unless VIGIL_TEST_KAFKA names one. */
    kafkaBrokers: string;
    /** Where scripts/kafka.sh starts its broker (KAFKA_PORT, default 9092). */
    kafkaPort: string;
  }
}

export {};
