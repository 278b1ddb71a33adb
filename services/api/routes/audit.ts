import { z } from 'zod';
import { AuditFilterSchema, AuditRecordSchema } from '../../../libs/contracts/index.js';
import type { Store } from '../../../libs/store/types.js';
import { defineRoute, type Route } from '../route.js';

export const AuditPageSchema = z.object({
  records: z.array(AuditRecordSchema),
  /** Opaque; pass back as `cursor`. Absent on the last page. */
  nextCursor: z.string().optional(),
});

/** The audit trail of this API, for admins. */
export function auditRoutes(deps: { store: Pick<Store, 'listAuditRecords'>; flush: () => Promise<void> }): Route[] {
  return [
    defineRoute({
      method: 'get',
      path: '/v1/audit',
      operationId: 'listAudit',
      summary: 'Audit trail of API calls, logins and key changes, newest first; follow nextCursor for the next page.',
      description:
        'Identifiers in params and query are tokenized (tok_...); bodies and credentials are never recorded. ' +
        '`since` is inclusive, `until` exclusive. Every call answered before this one is included.',
      tag: 'audit',
      access: 'admin',
      query: AuditFilterSchema,
      responses: { 200: { description: 'One page of audit records.', schema: AuditPageSchema } },
      handler: async ({ query }) => {
        // Rows are written in batches: write the buffer first so the page is complete up to now.
        await deps.flush();
        return { status: 200, json: await deps.store.listAuditRecords(query) };
      },
    }),
  ];
}
