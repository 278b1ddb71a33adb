import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

describe('scripts/kafka.sh cluster-id', () => {
  it('draws ids that kafka-storage accepts: 22 URL-safe base64 characters, never a leading "-"', () => {
    // One raw draw in 64 starts with '-' (the parser then took it for an option and formatting
    // failed): without the redraw, 256 draws show one with probability 98 %.
    const ids = Array.from({ length: 256 }, () => execFileSync('bash', ['scripts/kafka.sh', 'cluster-id'], { encoding: 'utf8' }).trim());
    expect(ids.filter((id) => !/^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/.test(id))).toEqual([]);
    expect(new Set(ids).size).toBe(256);
  });
});
