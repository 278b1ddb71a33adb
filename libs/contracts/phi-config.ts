import { z } from 'zod';
import { MAX_BODY_CHARS } from './event.js';

/**
 * PHI classification of mirrored bodies (libs/phi, docs/phi.md). Only used when the gateway logs
 * bodies; the cap bounds the work per body whatever the gateway sends.
 */
export const PhiConfigSchema = z.object({
  /** Characters of each body scanned (bytes for ASCII); the rest is not looked at. Env VIGIL_PHI_MAX_SCAN_BYTES. */
  maxScanBytes: z.coerce.number().int().min(1024).max(MAX_BODY_CHARS).default(256 * 1024),
});
export type PhiConfig = z.infer<typeof PhiConfigSchema>;

export const PHI_DEFAULTS: PhiConfig = { maxScanBytes: 256 * 1024 };
