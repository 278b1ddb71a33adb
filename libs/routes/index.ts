export { createRouteTemplater, type RouteTemplate, type RouteTemplater, type RouteTemplaterOptions } from './templater.js';
export { classifySegment, isIdLike, safeDecode, type SegmentKind } from './classify.js';
export { FHIR_RESOURCE_TYPES, KNOWN_WORDS, isKnownWord } from './words.js';
