import { z } from 'zod';

/** One declared API description loaded at start: OpenAPI 3.0/3.1 (JSON or YAML) or a FHIR CapabilityStatement (JSON). */
export const SpecFileSchema = z.object({
  /** The service (gateway service name, else host) whose traffic this document declares. */
  service: z.string().min(1).max(256),
  file: z.string().min(1),
});

export const INVENTORY_DEFAULTS = {
  specs: [] as { service: string; file: string }[],
  staleDays: 30,
  principalCap: 200,
  hourlyBuckets: 24 * 14,
  alerts: true,
};

/** API discovery and inventory (services/inventory, docs/inventory.md). */
export const InventoryConfigSchema = z.object({
  /** Declared surfaces loaded at every start (they replace the stored spec of the same service). */
  specs: z.array(SpecFileSchema).default([]),
  /** A route without traffic for this many days of event time is a zombie (stale); traffic after such a gap raises a zombie alert. */
  staleDays: z.coerce.number().int().min(1).max(3650).default(30),
  /** Distinct principals and apps are counted exactly up to this many per route, then by HyperLogLog. */
  principalCap: z.coerce.number().int().min(1).max(100_000).default(200),
  /** Hourly volume buckets kept per route (the most recent ones). */
  hourlyBuckets: z.coerce.number().int().min(1).max(24 * 366).default(24 * 14),
  /** Raise API9/API2 inventory alerts (shadow, zombie, undocumented parameter, unauthenticated data route). */
  alerts: z
    .union([z.boolean(), z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1')])
    .default(true),
});
export type InventoryConfig = z.infer<typeof InventoryConfigSchema>;
