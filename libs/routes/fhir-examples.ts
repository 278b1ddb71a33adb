import { closeSync, openSync, readFileSync, readSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import type { LabelledPath } from './evaluate.js';

/** Where npm put `hl7.fhir.r4.examples` (a dev dependency: the FHIR R4 example resources, CC0). */
export function fhirExamplesDir(): string {
  return dirname(createRequire(import.meta.url).resolve('hl7.fhir.r4.examples/package.json'));
}

const HEAD_BYTES = 2048;
const TYPE_RE = /^\s*\{\s*"resourceType"\s*:\s*"([A-Za-z]+)"\s*,\s*"id"\s*:\s*"([^"]+)"/;

/** The first bytes of a file: resourceType and id open every example, so the rest is never read. */
function head(path: string): string {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(HEAD_BYTES);
    return buf.toString('utf8', 0, readSync(fd, buf, 0, HEAD_BYTES, 0));
  } finally {
    closeSync(fd);
  }
}

/** resourceType and id of a resource, parsing the whole file only when its head does not show them. */
function typeAndId(path: string): { type: string; id: string } | undefined {
  const m = TYPE_RE.exec(head(path));
  if (m) return { type: m[1] as string, id: m[2] as string };
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return undefined;
  }
  const o = doc as { resourceType?: unknown; id?: unknown };
  return typeof o.resourceType === 'string' && typeof o.id === 'string' ? { type: o.resourceType, id: o.id } : undefined;
}

/** resourceType and id of every example resource with an id, sorted by file name (deterministic). */
export function loadFhirExamples(dir = fhirExamplesDir()): { type: string; id: string }[] {
  const out: { type: string; id: string }[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.json') && f !== 'package.json').sort()) {
    const found = typeAndId(`${dir}/${file}`);
    if (found) out.push(found);
  }
  return out;
}

/** Type-level and instance-level operations worth exercising, per type. */
const TYPE_OPS: Record<string, string[]> = { Patient: ['$match', '$export'], ValueSet: ['$expand', '$validate-code'], CodeSystem: ['$lookup'], Group: [] };
const INSTANCE_OPS: Record<string, string[]> = { Patient: ['$everything'], Encounter: ['$everything'], ValueSet: ['$expand'], Group: ['$export'], Composition: ['$document'] };

/**
 * FHIR REST request paths built from the example resources, each with its true template: read,
 * vread, history, search (GET and POST _search), compartment search, type and instance
 * `$operations`, and the system endpoints (`/metadata`, `$export`, `_history`). Interleaved
 * round-robin over resource types so learning sees a realistic mix, not one type at a time.
 */
export function fhirExamplePaths(base = '/fhir'): LabelledPath[] {
  const byType = new Map<string, string[]>();
  for (const { type, id } of loadFhirExamples()) byType.set(type, [...(byType.get(type) ?? []), id]);
  const scope = 'fhir-examples';
  const perType = [...byType.entries()].map(([type, ids]) => {
    const reqs: LabelledPath[] = [
      { scope, path: `${base}/${type}`, truth: `${base}/${type}` },
      { scope, path: `${base}/${type}/_search`, truth: `${base}/${type}/_search` },
      { scope, path: `${base}/${type}/_history`, truth: `${base}/${type}/_history` },
      ...(TYPE_OPS[type] ?? []).map((op) => ({ scope, path: `${base}/${type}/${op}`, truth: `${base}/${type}/${op}` })),
    ];
    for (const raw of ids) {
      const id = encodeURIComponent(raw);
      reqs.push(
        { scope, path: `${base}/${type}/${id}`, truth: `${base}/${type}/{id}` },
        { scope, path: `${base}/${type}/${id}/_history/1`, truth: `${base}/${type}/{id}/_history/{id}` },
        { scope, path: `${base}/${type}/${id}/_history`, truth: `${base}/${type}/{id}/_history` },
        ...(INSTANCE_OPS[type] ?? []).map((op) => ({ scope, path: `${base}/${type}/${id}/${op}`, truth: `${base}/${type}/{id}/${op}` })),
      );
      if (type === 'Patient') reqs.push({ scope, path: `${base}/Patient/${id}/Observation`, truth: `${base}/Patient/{id}/Observation` });
    }
    return reqs;
  });
  const out: LabelledPath[] = [
    { scope, path: `${base}/metadata`, truth: `${base}/metadata` },
    { scope, path: `${base}/$export`, truth: `${base}/$export` },
    { scope, path: `${base}/_history`, truth: `${base}/_history` },
  ];
  const longest = Math.max(...perType.map((r) => r.length));
  for (let i = 0; i < longest; i++) for (const reqs of perType) if (i < reqs.length) out.push(reqs[i] as LabelledPath);
  return out;
}
