import { z } from 'zod';
import { InputFormatSchema } from '../../../libs/contracts/index.js';
import { VigilError } from '../../../libs/errors/index.js';
import type { IngestFn } from '../types.js';
import { defineRoute, type Route } from '../route.js';
import { IngestResultSchema, KongLogBodySchema } from '../schemas.js';

/** Recorded as the dead-letter `source` of anything this route could not parse. */
export const HTTP_INGEST_SOURCE = 'http:/v1/ingest';

/**
 * Push ingestion. Kong's http-log plugin POSTs here directly: one JSON object per request, or a JSON
 * array when its queue batches (queue.max_batch_size > 1). It authenticates with the plugin's
 * `headers` option, e.g. `config.headers: { Authorization: "Bearer vgl_..." }`.
 */
export function ingestRoutes(deps: { ingest: IngestFn }): Route[] {
  const text = z.string();
  return [
    defineRoute({
      method: 'post',
      path: '/v1/ingest',
      operationId: 'ingest',
      summary: 'Submit gateway logs: Kong http-log JSON, JSON lines, or text log lines.',
      description:
        'The body is read as text up to the configured limit and handed to the ingest pipeline; lines or ' +
        'items that cannot be parsed are dead-lettered with a reason, never dropped. Kong: set the http-log ' +
        'plugin `config.http_endpoint` to this URL and `config.headers` to `{"Authorization": "Bearer vgl_..."}` ' +
        'with an analyst key made for that gateway.',
      tag: 'ingest',
      // NOTE: a gateway needs write access to ingest only, but roles are coarse: give each gateway its
      // own analyst key so it can be revoked alone. Viewers must not be able to inject traffic.
      access: 'analyst',
      query: z.object({ format: InputFormatSchema.default('auto') }),
      body: {
        schema: text,
        parser: 'text',
        content: { 'application/json': KongLogBodySchema, 'application/x-ndjson': text, 'text/plain': text },
      },
      errors: [413],
      responses: { 202: { description: 'Accepted into the pipeline.', schema: IngestResultSchema } },
      handler: async ({ query, body }) => {
        // An empty body is a misconfigured sender, not an empty batch: say so rather than answer 202.
        if (body.trim() === '') {
          throw new VigilError('bad_request', 'empty ingest body', { publicMessage: 'body: empty; send log lines or JSON' });
        }
        const result = await deps.ingest(body, query.format, HTTP_INGEST_SOURCE);
        return { status: 202, json: { accepted: result.accepted, deadLettered: result.deadLettered, duplicates: result.duplicates } };
      },
    }),
  ];
}
