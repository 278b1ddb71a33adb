import { describe, expect, it } from 'vitest';
import { fhirExamplePaths } from '../libs/routes/fhir-examples.js';
import { scoreTemplating } from '../libs/routes/evaluate.js';
import { restWordPaths, simPaths, simTruth, templatingReport } from './eval-templating.js';

describe('route templating quality', () => {
  it('learns every FHIR R4 example request (read, vread, history, search, $operations) with its true template, merging and splitting nothing', () => {
    const s = scoreTemplating(fhirExamplePaths());
    expect({ requests: s.requests, correct: s.correct, endpoints: s.endpoints, merged: s.merged, split: s.split }).toEqual({
      requests: 17722,
      correct: 17722,
      endpoints: 854,
      merged: 0,
      split: 0,
    });
  });

  it('learns the simulator traffic of seed 1 (one day) with its true templates', () => {
    const s = scoreTemplating(simPaths({ seed: 1, days: 1, scale: 1 }));
    expect({ requests: s.requests, correct: s.correct, merged: s.merged, split: s.split }).toEqual({ requests: SIM_REQUESTS, correct: SIM_REQUESTS, merged: 0, split: 0 });
  });

  it('learns word ids (user names, team slugs) after a learning period, never merging endpoint words like me or search', () => {
    const s = scoreTemplating(restWordPaths(1));
    expect({ requests: s.requests, correct: s.correct, endpoints: s.endpoints, merged: s.merged, split: s.split }).toEqual(WORDS);
  });

  it('derives the simulator truth from id shapes alone', () => {
    expect(simTruth('/fhir/bulk-files/d9c3bfe0eba5d85b/Patient-1.ndjson')).toBe('/fhir/bulk-files/{id}/{id}');
    expect(simTruth('/api/v1/refills/a8c57125-397c-46c7-8b06-779675c7eeb2')).toBe('/api/v1/refills/{id}');
    expect(simTruth('/fhir/Patient/113077/$everything')).toBe('/fhir/Patient/{id}/$everything');
    expect(simTruth('/api/v1/admin/users')).toBe('/api/v1/admin/users');
  });

  it('prints one line per set in the eval report, then examples of each split', () => {
    const lines = templatingReport({ seeds: [1], days: 1, scale: 1 }).split('\n');
    expect(lines[2]).toBe('FHIR R4 examples      17722     854        1.0000    0       0');
    expect(lines[3]).toBe('REST word ids         5000      9          0.9854    0       4');
    // Header, column names, three sets, then the four learning-period splits of the word-id API.
    expect(lines).toHaveLength(9);
  });
});

const SIM_REQUESTS = 14879;
// The 73 misses are requests on word-id positions before each position was learned (25 distinct values).
const WORDS = { requests: 5000, correct: 4927, endpoints: 9, merged: 0, split: 4 };
