export { parseSpec, MAX_SPEC_BYTES, type DeclaredSpec, type DeclaredOperation } from './spec.js';
export { fromOpenApi, serverBasePath, type OpenApiDeclared } from './openapi-spec.js';
export { fromCapabilityStatement, fhirRequest, interactionName, type FhirDeclared, type FhirRequest } from './fhir-spec.js';
export { createMatcher, baseParam, type Match, type Matcher } from './match.js';
export { routeId, newRouteState, addEvent, encodeRouteState, decodeRouteState, eventHasPhi, type RouteState } from './route-state.js';
export { judgeRoute, versionFamily, zombieReasons, type Judgement } from './judge.js';
export { inventoryFindings, isDataRoute, INVENTORY_DETECTORS } from './findings.js';
export { createInventoryModel, type InventoryModel, type InventoryModelConfig, type InventoryModelDeps } from './model.js';
export { observedOpenApi, uniqueParams } from './observed-openapi.js';
