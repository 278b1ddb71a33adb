import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, test } from 'vitest';
import { createPhiClassifier } from './index.js';

const require = createRequire(import.meta.url);
/** A resource from the official FHIR R4 examples package, as its JSON text. */
function example(name: string): string {
  return readFileSync(require.resolve(`hl7.fhir.r4.examples/${name}.json`), 'utf8');
}

const classify = createPhiClassifier();
const response = (body: string) => classify({ responseBody: body });
const NOTHING = { categories: [], resourceTypes: [], in: [] };

describe('FHIR JSON', () => {
  test('the R4 example Patient is a Patient with a name, a birth date and an MRN (identifier type MR)', () => {
    expect(response(example('Patient-example'))).toEqual({
      categories: ['fhir-resource', 'name', 'dob', 'mrn'],
      resourceTypes: ['Patient'],
      in: ['response'],
    });
  });

  test('an Observation and the example Bundle count by their (entries’) resource types; Medication does not', () => {
    expect(response(example('Observation-example'))).toEqual({ categories: ['fhir-resource'], resourceTypes: ['Observation'], in: ['response'] });
    expect(response(example('Bundle-bundle-example'))).toEqual({
      categories: ['fhir-resource'],
      resourceTypes: ['MedicationRequest'],
      in: ['response'],
    });
  });

  test.each(['Practitioner-example', 'CapabilityStatement-example', 'OperationOutcome-101'])('%s carries no patient PHI', (name) => {
    expect(response(example(name))).toEqual(NOTHING);
  });

  test('FHIR identifiers by system: a valid SSN and NPI count, an invalid SSN does not', () => {
    const patient = {
      resourceType: 'Patient',
      identifier: [
        { system: 'http://hl7.org/fhir/sid/us-ssn', value: '123456789' },
        { system: 'http://hl7.org/fhir/sid/us-ssn', value: '000123456' },
      ],
      generalPractitioner: [{ identifier: { system: 'http://hl7.org/fhir/sid/us-npi', value: '1234567893' } }],
    };
    expect(response(JSON.stringify(patient))).toEqual({ categories: ['fhir-resource', 'ssn', 'npi'], resourceTypes: ['Patient'], in: ['response'] });
  });

  test('a searchset Bundle of Patients and Conditions; an empty searchset is nothing', () => {
    const bundle = {
      resourceType: 'Bundle',
      type: 'searchset',
      entry: [
        { resource: { resourceType: 'Patient', id: 'p1', name: [{ family: 'Doe', given: ['Jane'] }] } },
        { resource: { resourceType: 'Condition', id: 'c1', subject: { reference: 'Patient/p1' } } },
        { resource: { resourceType: 'OperationOutcome', issue: [] }, search: { mode: 'outcome' } },
      ],
    };
    expect(response(JSON.stringify(bundle))).toEqual({ categories: ['fhir-resource', 'name'], resourceTypes: ['Condition', 'Patient'], in: ['response'] });
    expect(response('{"resourceType":"Bundle","type":"searchset","total":0}')).toEqual(NOTHING);
  });

  test('names, birth dates and MRNs inside a Practitioner are not patient PHI; an SSN is sensitive anywhere', () => {
    const practitioner = {
      resourceType: 'Practitioner',
      name: [{ family: 'Careful', given: ['Adam'] }],
      birthDate: '1970-01-01',
      identifier: [{ type: { coding: [{ code: 'MR' }] }, value: 'X123' }],
    };
    expect(response(JSON.stringify(practitioner))).toEqual(NOTHING);
    expect(response(JSON.stringify({ ...practitioner, extension: [{ valueString: 'SSN 123-45-6789' }] }))).toEqual({
      categories: ['ssn'],
      resourceTypes: [],
      in: ['response'],
    });
  });
});

describe('labelled values in non-FHIR JSON, forms and text', () => {
  test.each([
    ['{"patient":{"ssn":"123-45-6789"}}', ['ssn']],
    ['{"member_ssn":"123456789"}', ['ssn']],
    ['{"mrn":"000123"}', ['mrn']],
    ['{"medicalRecordNumber":"A-99812"}', ['mrn']],
    ['{"provider_npi":1234567893}', ['npi']],
    ['{"date_of_birth":"1980-02-03"}', ['dob']],
    ['{"DOB":"02/03/1980"}', ['dob']],
    ['{"patient_name":"Jane Doe","firstName":"Jane"}', ['name']],
    ['ssn=123-45-6789&dob=1980-02-03', ['dob', 'ssn']],
    ['Patient MRN: 123456, DOB: 1980-02-03, seen by NPI 1234567893', ['dob', 'mrn', 'npi']],
    ['note: caller gave SSN 123-45-6789 on the phone', ['ssn']],
    ['MRN#A12345', ['mrn']],
  ])('%s -> %j', (body, categories) => {
    expect(response(body)).toEqual({ categories, resourceTypes: [], in: ['response'] });
  });

  test.each([
    ['phone numbers', '{"phone":"555-123-4567","fax":"(555) 123-4567","intl":"+1-555-12-3456"}'],
    ['dates and timestamps', '{"created":"2024-01-15","at":"2024-01-15T10:20:30Z","epoch":1705314030}'],
    ['order and claim numbers shaped like an SSN', '{"order":"ORD-123-45-6789","claim":"123-45-6789-01","ref":"A123-45-6789"}'],
    ['SSNs that cannot be issued', '000-12-3456 666-12-3456 900-12-3456 123-00-4567 123-45-0000'],
    ['10-digit ids failing the NPI check, labelled or not', '{"npi":"1234567890","id":1234567893,"orderId":"2234567890"}'],
    ['labels without a valid value', '{"mrn":"","dob":3,"birthDate":"unknown","ssn":"n/a"} MRN: lookup'],
    ['words that contain a label', '{"adobe":"1980-02-03","snpix":"1234567893"}'],
    ['a bare 9-digit number', '{"amount":123456789}'],
  ])('no PHI in %s', (_name, body) => {
    expect(response(body)).toEqual(NOTHING);
  });
});

describe('bodies, encodings and the cost cap', () => {
  test('no body at all is undefined; an empty body is "seen, nothing found"', () => {
    expect(classify({})).toBeUndefined();
    expect(classify({ responseBody: '' })).toEqual(NOTHING);
  });

  test('the request body counts as well, and `in` says which body showed it', () => {
    expect(classify({ requestBody: '{"resourceType":"Patient","birthDate":"1990-05-06"}', responseBody: '{"ok":true}' })).toEqual({
      categories: ['fhir-resource', 'dob'],
      resourceTypes: ['Patient'],
      in: ['request'],
    });
  });

  test('a base64-encoded body is decoded once', () => {
    const body = Buffer.from('{"resourceType":"Patient","id":"p1","birthDate":"1990-05-06"}').toString('base64');
    expect(response(body)).toEqual({ categories: ['fhir-resource', 'dob'], resourceTypes: ['Patient'], in: ['response'] });
  });

  test('FHIR XML resources count by their root and Bundle entries', () => {
    const xml =
      '<Bundle xmlns="http://hl7.org/fhir"><entry><resource><Patient><id value="1"/></Patient></resource></entry>' +
      '<entry><resource><Practitioner><id value="2"/></Practitioner></resource></entry></Bundle>';
    expect(response(xml)).toEqual({ categories: ['fhir-resource'], resourceTypes: ['Patient'], in: ['response'] });
    expect(response('<Observation xmlns="http://hl7.org/fhir"><status value="final"/></Observation>')).toEqual({
      categories: ['fhir-resource'],
      resourceTypes: ['Observation'],
      in: ['response'],
    });
  });

  test('only the first maxScanBytes characters are looked at; JSON cut by the cap still gets the text patterns', () => {
    const small = createPhiClassifier({ maxScanBytes: 1024 });
    const padding = 'x'.repeat(2000);
    expect(small({ responseBody: `${padding} SSN 123-45-6789` })).toEqual(NOTHING);
    expect(small({ responseBody: `{"ssn":"123-45-6789","pad":"${padding}"}` })).toEqual({ categories: ['ssn'], resourceTypes: [], in: ['response'] });
  });

  test('hostile input is handled in one pass: long label runs, deep nesting, huge arrays', () => {
    const labels = 'ssn: '.repeat(50_000);
    expect(response(labels)).toEqual(NOTHING);
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    expect(response(deep)).toEqual(NOTHING);
    expect(response(JSON.stringify(Array.from({ length: 20_000 }, (_, i) => ({ id: i }))))).toEqual(NOTHING);
  });
});
