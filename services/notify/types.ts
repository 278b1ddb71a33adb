import type { Alert, DestinationWithSecrets } from '../../libs/contracts/index.js';

/**
 * The seam between the outbox (which alert versions must reach which destination, retries, state)
 * and the senders (how one payload is formatted and put on the wire for one destination type).
 * Senders never retry and never touch the outbox: they report what happened, the worker decides.
 */
export type SendOutcome =
  /** The receiver accepted it (2xx, HEC code 0, syslog bytes written and flushed). */
  | { kind: 'delivered'; status?: number }
  /** Worth trying again later: timeouts, refused connections, 5xx, 429, HEC 9 (server busy). */
  | { kind: 'retry'; error: string; status?: number; retryAfterMs?: number }
  /** Will not succeed by retrying (4xx such as an invalid HEC token, SSRF refusal): marked failed at once. */
  | { kind: 'failed'; error: string; status?: number };

export interface SendContext {
  /** `<alert id>:<alert version>`, sent as Idempotency-Key (and inside payloads where the format has room). */
  idempotencyKey: string;
  /** Wall clock of this attempt (signature timestamps); injected so tests can pin it. */
  now: Date;
}

export interface Sender {
  send(alert: Alert, ctx: SendContext): Promise<SendOutcome>;
  /** Releases sockets (syslog connections). */
  close(): Promise<void>;
}

export interface SenderDeps {
  /** Vigil's version, for OCSF metadata.product.version and HEC source. */
  version: string;
  /** Host name put in syslog headers and HEC `host`. */
  hostname: string;
  /** Per-attempt timeout. */
  timeoutMs: number;
}

export type CreateSender = (destination: DestinationWithSecrets, deps: SenderDeps) => Sender;
