import { z } from 'zod';

/**
 * Where `vigil start --follow` stands in each followed file, kept in `<data-dir>/follow/positions.json`
 * and moved only once the rows of every line before `offset` are stored (services/ingest/follow.ts).
 * A file is known by device and inode, not by name: a rotated file keeps both under its new name.
 */
export const FollowedFileSchema = z.object({
  dev: z.string().regex(/^\d+$/),
  ino: z.string().regex(/^\d+$/),
  /** Bytes of the file read and stored: the start of the next line to read. */
  offset: z.number().int().nonnegative(),
});
export type FollowedFile = z.infer<typeof FollowedFileSchema>;

export const FollowPositionsSchema = z.object({
  version: z.literal(1),
  /** By followed path: the file now at that path and any rotated one still being read, oldest first. */
  files: z.record(z.string(), z.array(FollowedFileSchema)),
});
export type FollowPositions = z.infer<typeof FollowPositionsSchema>;
