// `splunk-hec` destinations: the HEC event envelope with `Authorization: Splunk <token>`; the reply
// is judged by HTTP status and HEC code (0 delivered, 9 server busy retried, 4 invalid token failed).
import { randomUUID } from 'node:crypto';
import type { DestinationWithSecrets } from '../../../libs/contracts/index.js';
import { outboundRequest } from '../../../libs/outbound/index.js';
import { describeHecReply, hecEnvelope, parseHecReply } from '../formats/hec.js';
import type { SendOutcome, Sender, SenderDeps } from '../types.js';
import { errorOutcome, isRetriableStatus, retryOutcome } from './outcome.js';
import type { SenderExtras } from './webhook.js';

/** HEC code 9: "Server is busy" (queue full): always worth another try, whatever the status. */
const HEC_SERVER_BUSY = 9;

export function createHecSender(destination: DestinationWithSecrets, deps: SenderDeps, extras: SenderExtras = {}): Sender {
  // A token with indexer acknowledgement on refuses requests without a channel (HEC code 10); one
  // channel per sender is what Splunk asks of a client.
  const channel = randomUUID();
  return {
    async send(alert, ctx): Promise<SendOutcome> {
      const { token } = destination;
      if (token === undefined || token === '') return { kind: 'failed', error: `destination ${destination.name} has no HEC token` };
      try {
        const res = await outboundRequest(
          {
            method: 'POST',
            url: destination.url,
            headers: {
              Authorization: `Splunk ${token}`,
              'Content-Type': 'application/json',
              'User-Agent': `Vigil/${deps.version}`,
              'X-Splunk-Request-Channel': channel,
            },
            body: JSON.stringify(hecEnvelope(alert, { host: deps.hostname, idempotencyKey: ctx.idempotencyKey })),
          },
          {
            timeoutMs: deps.timeoutMs,
            allowPrivateNetwork: destination.allowPrivateNetwork === true,
            ...(destination.caPem === undefined ? {} : { caPem: destination.caPem }),
            ...(extras.resolve === undefined ? {} : { resolve: extras.resolve }),
          },
        );
        const reply = parseHecReply(res.body);
        const error = describeHecReply(reply, res.status, res.body);
        if (res.status >= 200 && res.status < 300) {
          // A HEC-compatible receiver may answer 200 without a code; any other code is a refusal.
          if (reply.code === undefined || reply.code === 0) return { kind: 'delivered', status: res.status };
          return reply.code === HEC_SERVER_BUSY ? retryOutcome(error, res.status, res, ctx.now) : { kind: 'failed', error, status: res.status };
        }
        if (isRetriableStatus(res.status) || reply.code === HEC_SERVER_BUSY) return retryOutcome(error, res.status, res, ctx.now);
        if (res.status >= 300 && res.status < 400) return { kind: 'failed', error: `HTTP ${res.status}: redirects are not followed; configure the collector URL itself`, status: res.status };
        return { kind: 'failed', error, status: res.status };
      } catch (err) {
        return errorOutcome(err);
      }
    },
    close: () => Promise.resolve(),
  };
}
