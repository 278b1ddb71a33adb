// `webhook` and `ocsf` destinations: a signed JSON POST; they differ only in the body.
import type { Alert, DestinationWithSecrets } from '../../../libs/contracts/index.js';
import { outboundRequest, type Resolve } from '../../../libs/outbound/index.js';
import { toOcsfDetectionFinding } from '../formats/ocsf.js';
import { signatureHeaders, webhookBody } from '../formats/webhook.js';
import type { SendContext, SendOutcome, Sender, SenderDeps } from '../types.js';
import { errorOutcome, httpOutcome } from './outcome.js';

/** Test seam: DNS answers (rebinding); the system resolver otherwise. */
export interface SenderExtras {
  resolve?: Resolve;
}

export function createWebhookSender(destination: DestinationWithSecrets, deps: SenderDeps, extras: SenderExtras = {}): Sender {
  const body = (alert: Alert, ctx: SendContext): string =>
    JSON.stringify(
      destination.type === 'ocsf'
        ? toOcsfDetectionFinding(alert, { version: deps.version, idempotencyKey: ctx.idempotencyKey })
        : webhookBody(alert, ctx.idempotencyKey),
    );
  return {
    async send(alert, ctx): Promise<SendOutcome> {
      const { secret } = destination;
      if (secret === undefined || secret === '') {
        return { kind: 'failed', error: `destination ${destination.name} has no secret: ${destination.type} deliveries are always signed` };
      }
      const raw = body(alert, ctx);
      try {
        const res = await outboundRequest(
          {
            method: 'POST',
            url: destination.url,
            headers: {
              'Content-Type': 'application/json',
              'User-Agent': `Vigil/${deps.version}`,
              ...signatureHeaders(secret, raw, ctx.idempotencyKey, ctx.now),
            },
            body: raw,
          },
          {
            timeoutMs: deps.timeoutMs,
            allowPrivateNetwork: destination.allowPrivateNetwork === true,
            ...(destination.caPem === undefined ? {} : { caPem: destination.caPem }),
            ...(extras.resolve === undefined ? {} : { resolve: extras.resolve }),
          },
        );
        return httpOutcome(res, ctx.now);
      } catch (err) {
        return errorOutcome(err);
      }
    },
    close: () => Promise.resolve(),
  };
}
