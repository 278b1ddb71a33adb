// Vigil's HTTP API: alerts, triage, investigation views, push ingestion and key management.
export { createApiApp } from './app.js';
export { buildOpenApi, type OpenApiDocument } from './openapi.js';
export { HTTP_INGEST_SOURCE } from './routes/ingest.js';
export type { ApiConfig, ApiDeps, IngestFn } from './types.js';
