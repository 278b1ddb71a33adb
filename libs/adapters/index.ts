// Input adapters: turn gateway log lines and ingest bodies into ApiEvents (libs/contracts/event.ts).
// Kong (http-log / file-log / tcp-log), nginx (vigil_json log_format and combined), Envoy JSON
// access logs and Vigil native JSON. See README.md here and docs/ingest/ for the formats.
export type { ParseOutcome } from './outcome.js';
export { parseLine, parseBody, type BodyItem } from './parse.js';
export { redactRaw, MAX_RAW_BYTES } from './redact.js';
export { detectJsonFormat, type JsonFormat } from './detect.js';
