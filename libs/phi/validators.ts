// Validity rules for the identifiers the classifier reports. A pattern match alone is not enough:
// most 9- and 10-digit strings in API traffic are order numbers, ids and timestamps, so each
// candidate must also pass the rules the issuing authority guarantees for real numbers.

/**
 * US Social Security Number (SSA rules since 2011 randomization): area not 000, 666 or 900-999,
 * group not 00, serial not 0000. Accepts ddd-dd-dddd or nine bare digits.
 */
export function isValidSsn(text: string): boolean {
  const digits = text.length === 11 && text[3] === '-' && text[6] === '-' ? text.slice(0, 3) + text.slice(4, 6) + text.slice(7) : text;
  if (!/^\d{9}$/.test(digits)) return false;
  const area = digits.slice(0, 3);
  if (area === '000' || area === '666' || area[0] === '9') return false;
  return digits.slice(3, 5) !== '00' && digits.slice(5) !== '0000';
}

/**
 * US National Provider Identifier: 10 digits starting with 1 or 2, whose check digit is the Luhn
 * check digit of the first nine prefixed with 80840 (the ISO 7812 health-industry prefix), as
 * CMS specifies. 1234567893 is CMS's worked example.
 */
export function isValidNpi(text: string): boolean {
  if (!/^[12]\d{9}$/.test(text)) return false;
  return luhnValid(`80840${text}`);
}

function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

const ISO_DATE = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$/;
const US_DATE = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/;

/**
 * A birth date as APIs write it: FHIR `date` (YYYY, YYYY-MM, YYYY-MM-DD), an ISO date-time's date
 * part, or US MM/DD/YYYY. Years 1850..2200 only, so small counters labelled "dob" do not count.
 */
export function isBirthDate(text: string): boolean {
  const value = text.length > 10 && text[10] === 'T' ? text.slice(0, 10) : text;
  let y: number;
  let m = 1;
  let d = 1;
  const iso = ISO_DATE.exec(value);
  if (iso) {
    y = Number(iso[1]);
    if (iso[2] !== undefined) m = Number(iso[2]);
    if (iso[3] !== undefined) d = Number(iso[3]);
  } else {
    const us = US_DATE.exec(value);
    if (!us) return false;
    m = Number(us[1]);
    d = Number(us[2]);
    y = Number(us[3]);
  }
  return y >= 1850 && y <= 2200 && m >= 1 && m <= 12 && d >= 1 && d <= 31;
}

/** A medical record number: 3..40 characters, letters, digits and - . / only, at least one digit. */
export function isMrnValue(text: string): boolean {
  return /^[A-Za-z0-9][A-Za-z0-9./-]{2,39}$/.test(text) && /\d/.test(text);
}
