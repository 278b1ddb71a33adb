import { describe, expect, test } from 'vitest';
import { isBirthDate, isMrnValue, isValidNpi, isValidSsn } from './index.js';

describe('validators', () => {
  test('SSN: SSA rules for area, group and serial', () => {
    expect(['123-45-6789', '123456789', '899-99-9999', '665-01-0001'].map(isValidSsn)).toEqual([true, true, true, true]);
    expect(['000-12-3456', '666-12-3456', '900-12-3456', '999-12-3456', '123-00-4567', '123-45-0000', '12-345-6789', '1234567890'].map(isValidSsn)).toEqual(
      [false, false, false, false, false, false, false, false],
    );
  });

  test('NPI: 10 digits starting 1 or 2 with the Luhn check over the 80840 prefix', () => {
    expect(['1234567893', '1245319599', '1003000126'].map(isValidNpi)).toEqual([true, true, true]);
    expect(['1234567890', '3234567893', '123456789', '12345678931'].map(isValidNpi)).toEqual([false, false, false, false]);
  });

  test('birth dates: FHIR partial dates, date-times, US format; years 1850..2200', () => {
    expect(['1974', '1974-12', '1974-12-25', '1974-12-25T08:00:00Z', '12/25/1974'].map(isBirthDate)).toEqual([true, true, true, true, true]);
    expect(['3', '1974-13-01', '1800-01-01', '25/12/1974', 'unknown'].map(isBirthDate)).toEqual([false, false, false, false, false]);
  });

  test('MRN values need a digit', () => {
    expect(['123456', 'A-99812', 'MRN', 'lookup', ''].map(isMrnValue)).toEqual([true, true, false, false, false]);
  });
});
