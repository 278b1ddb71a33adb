// What vitest hands the store tests from the config and the global setup (vitest's provide/inject):
// the engine of the project (vitest.config.ts) and the URL of the ClickHouse server the
// "clickhouse-server" project starts (services/test-support/clickhouse-global-setup.ts).
export type TestEngine = 'embedded' | 'server';

declare module 'vitest' {
  export interface ProvidedContext {
    storeEngine: TestEngine;
    clickhouseUrl: string;
  }
}
