// vitest globalSetup: makes sure a real Kafka broker answers before any test file runs, and tells
// the tests where it is by providing `kafkaBrokers` (read with testKafkaBrokers() from ./kafka.ts).
//
// - VIGIL_TEST_KAFKA set (vitest.config.ts provides it): that broker is used as is; it must answer,
//   or the run fails.
// - Otherwise `scripts/kafka.sh up --lease <pid>` (a no-op when a broker already answers on
//   127.0.0.1:${KAFKA_PORT:-9092}) and `release <pid>` at teardown, which stops the broker only if
//   this run started it and no other test run in the checkout still holds a lease.
//
// NOTE: a failure here throws, which fails the whole run with the reason: Kafka tests never skip.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { TestProject } from 'vitest/node';
import { brokerAnswers } from './kafka.js';
import type {} from './provided.js';

const run = promisify(execFile);
const KAFKA_SH = fileURLToPath(new URL('../../scripts/kafka.sh', import.meta.url));

/** Runs scripts/kafka.sh, echoing its progress lines; the error carries all it printed. */
async function kafkaSh(args: string[]): Promise<void> {
  try {
    const { stdout, stderr } = await run('bash', [KAFKA_SH, ...args], { maxBuffer: 16 * 1024 * 1024 });
    process.stderr.write(stdout + stderr);
  } catch (cause: unknown) {
    // execFile's error carries what the script printed as `stdout` and `stderr` strings.
    const { stdout = '', stderr = '' } = cause as { stdout?: string; stderr?: string };
    const out = `${stdout}${stderr}`;
    throw new Error(`scripts/kafka.sh ${args.join(' ')} failed; the Kafka tests need a real broker (Java 17+, Maven once).\n${out}`, { cause });
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const { kafkaBrokers: preset, kafkaPort } = project.getProvidedContext();
  if (preset) {
    if (!(await brokerAnswers(preset.split(','), 30_000))) {
      throw new Error(`VIGIL_TEST_KAFKA=${preset}: no Kafka broker answered there within 30 s`);
    }
    return () => Promise.resolve();
  }
  const lease = String(process.pid);
  await kafkaSh(['up', '--lease', lease]);
  project.provide('kafkaBrokers', `127.0.0.1:${kafkaPort}`);
  return async () => {
    await kafkaSh(['release', lease]);
  };
}
