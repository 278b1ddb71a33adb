export { extractObjects, type ExtractedObjects } from './extract.js';
export { parseReference, locationPath, type ParsedReference } from './reference.js';
export { extractPaging } from './paging.js';
export { queryPairs } from './query.js';
