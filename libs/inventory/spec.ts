import { parse as parseYaml } from 'yaml';
import type { SpecKind } from '../contracts/inventory.js';
import { VigilError } from '../errors/index.js';
import { fromCapabilityStatement, type FhirDeclared } from './fhir-spec.js';
import { fromOpenApi, type OpenApiDeclared } from './openapi-spec.js';

/** One declared operation of an OpenAPI document, its path already prefixed with the server base path. */
export interface DeclaredOperation {
  /** Upper case. */
  method: string;
  /** e.g. /api/v2/users/{userId} */
  path: string;
  operationId?: string;
  deprecated: boolean;
  /** Declared query parameter names. */
  queryParams: readonly string[];
}

/** A parsed declared surface: what the matcher needs, plus a summary for GET /v1/specs. */
export interface DeclaredSpec {
  service: string;
  kind: SpecKind;
  title: string;
  version: string;
  operations: number;
  deprecatedOperations: number;
  openapi?: OpenApiDeclared;
  fhir?: FhirDeclared;
}

/** Larger documents are refused: real specs of big APIs stay well below this. */
export const MAX_SPEC_BYTES = 8 * 1024 * 1024;

function bad(message: string): VigilError {
  return new VigilError('bad_request', message, { publicMessage: message });
}

/**
 * Parses an OpenAPI 3.0/3.1 document (JSON or YAML) or a FHIR CapabilityStatement (JSON) into the
 * declared surface of `service`. Throws VigilError `bad_request` with a message a user can act on.
 */
export function parseSpec(service: string, text: string): DeclaredSpec {
  if (text.length > MAX_SPEC_BYTES) throw bad(`spec larger than ${MAX_SPEC_BYTES} bytes`);
  let doc: unknown;
  const trimmed = text.trimStart();
  try {
    // YAML is a superset of JSON, but JSON.parse is faster and its errors are clearer for JSON input.
    doc = trimmed.startsWith('{') ? JSON.parse(text) : parseYaml(text, { maxAliasCount: 1000 });
  } catch (e) {
    throw bad(`spec is neither JSON nor YAML: ${e instanceof Error ? e.message.split('\n')[0] ?? '' : String(e)}`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw bad('spec must be an object (an OpenAPI document or a FHIR CapabilityStatement)');
  const o = doc as Record<string, unknown>;
  if (o.resourceType === 'CapabilityStatement') {
    const fhir = fromCapabilityStatement(o, bad);
    return {
      service,
      kind: 'fhir',
      title: typeof o.title === 'string' ? o.title : typeof o.name === 'string' ? o.name : 'CapabilityStatement',
      version: typeof o.fhirVersion === 'string' ? o.fhirVersion : '',
      operations: fhir.operationCount,
      deprecatedOperations: 0,
      fhir,
    };
  }
  if (typeof o.resourceType === 'string') throw bad(`a FHIR ${o.resourceType} is not a CapabilityStatement`);
  if (typeof o.swagger === 'string') throw bad('Swagger 2.0 is not supported: convert it to OpenAPI 3 (e.g. with swagger2openapi)');
  if (typeof o.openapi !== 'string' || !/^3\.[01]\./.test(o.openapi)) throw bad('not an OpenAPI 3.0/3.1 document (no "openapi": "3.x.y") nor a CapabilityStatement');
  const openapi = fromOpenApi(o, bad);
  const info = (o.info ?? {}) as Record<string, unknown>;
  return {
    service,
    kind: 'openapi',
    title: typeof info.title === 'string' ? info.title : '',
    version: typeof info.version === 'string' ? info.version : '',
    operations: openapi.operations.length,
    deprecatedOperations: openapi.operations.filter((op) => op.deprecated).length,
    openapi,
  };
}
