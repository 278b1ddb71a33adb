export { createTokenizer, type Tokenizer, type TokenizerOptions } from './tokenizer.js';
export { loadOrCreateKey, parseKey, KEY_FILE_NAME, type LoadedKey } from './key.js';
export { createKeyring, parsePreviousKeys, type Keyring } from './keyring.js';
export { textKey } from './text-key.js';
