import { VigilError } from '../errors/index.js';
import { parseKey } from './key.js';
import { createTokenizer, type Tokenizer, type TokenizerOptions } from './tokenizer.js';

/**
 * Key rotation. New events are tokenized with the current key only; earlier keys stay "active"
 * for lookups, so a raw identifier an analyst searches for matches what was stored under any of
 * them. Stored tokens are never rewritten: rows age out with retention, after which an old key
 * can be dropped from the list.
 */
export interface Keyring {
  /** Tokenizes new events (the current key). */
  current: Tokenizer;
  /** The token of `raw` under every active key, current first, without duplicates. */
  tokens(kind: string, raw: string): string[];
  /** The credential fingerprint under every active key, current first, without duplicates. */
  fingerprints(secret: string): string[];
  /** Active keys, the current one included. */
  readonly size: number;
}

/**
 * Parses previous keys as written in config (hex or base64, 32+ bytes each). Errors give the
 * position in the list, never the value.
 */
export function parsePreviousKeys(texts: readonly string[]): Buffer[] {
  return texts.map((text, i) => {
    const key = parseKey(text);
    if (key === undefined) {
      throw new VigilError(
        'config_invalid',
        `VIGIL_PREVIOUS_TOKENIZATION_KEYS: key ${i + 1} of ${texts.length} is not hex (64+ characters) or base64 (32+ bytes)`,
      );
    }
    return key;
  });
}

export function createKeyring(current: Buffer, previous: readonly Buffer[], opts: TokenizerOptions = {}): Keyring {
  // A previous key equal to the current one adds nothing but a second identical token.
  const others = previous.filter((k, i) => !k.equals(current) && previous.findIndex((p) => p.equals(k)) === i);
  const currentTokenizer = createTokenizer(current, opts);
  // Lookups are rare (an analyst's search): no cache for old keys, so they hold no raw ids.
  const all = [currentTokenizer, ...others.map((k) => createTokenizer(k, { cacheSize: 0 }))];
  return {
    current: currentTokenizer,
    tokens: (kind, raw) => [...new Set(all.map((t) => t.token(kind, raw)))],
    fingerprints: (secret) => [...new Set(all.map((t) => t.fingerprint(secret)))],
    size: all.length,
  };
}
