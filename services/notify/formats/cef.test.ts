import { describe, expect, test } from 'vitest';
import { sampleAlert } from '../senders/test-support.js';
import { escapeCefHeader, escapeCefValue, formatCef, octetCountedFrame, syslogMessage } from './cef.js';

describe('CEF escaping', () => {
  test('header fields escape backslash and pipe; line breaks become spaces', () => {
    expect(escapeCefHeader('a|b\\c\r\nd\ne=f')).toBe('a\\|b\\\\c d e=f');
  });

  test('extension values escape backslash and equals, and write line breaks as \\n and \\r', () => {
    expect(escapeCefValue('a=b\\c|d\r\ne\nf\rg')).toBe('a\\=b\\\\c|d\\ne\\nf\\rg');
  });
});

describe('formatCef', () => {
  test('maps the alert to the header and the documented extension keys', () => {
    expect(formatCef(sampleAlert(), { version: '0.1.0', idempotencyKey: 'alrt_7f3a9c:1' })).toBe(
      'CEF:0|Vigil|Vigil|0.1.0|bola-enumeration|user:tok_5b1e0f2a read 46 distinct Patient ids within 300s (baseline 4.2)|8|' +
        'rt=1772443181507 start=1772442845120 end=1772443181507 src=203.0.113.7 suser=user:tok_5b1e0f2a ' +
        'requestClientApplication=portal-web requestMethod=GET request=/fhir/Patient/{id} cat=API1:2023 ' +
        'cs1Label=owasp cs1=API1:2023 cs2Label=alertId cs2=alrt_7f3a9c cs3Label=status cs3=open ' +
        'cn1Label=count cn1=3 cnt=3 cfp1Label=confidence cfp1=0.82 externalId=alrt_7f3a9c:1 ' +
        'msg=user:tok_5b1e0f2a read 46 distinct Patient ids within 300s (baseline 4.2)',
    );
  });

  test('escapes what the alert holds, puts an IPv6 source in c6a2 and leaves out absent fields', () => {
    const alert = sampleAlert({
      detector: 'x|y',
      summary: 'a|b=c\\d\nnext',
      severity: 'critical',
      sourceIps: ['2001:db8::7'],
      app: undefined,
      route: '/a?b=c',
      evidence: {},
    });
    expect(formatCef(alert, { version: '1|2', idempotencyKey: 'k=1' })).toBe(
      'CEF:0|Vigil|Vigil|1\\|2|x\\|y|a\\|b=c\\\\d next|10|' +
        'rt=1772443181507 start=1772442845120 end=1772443181507 c6a2=2001:db8::7 c6a2Label=Source IPv6 Address ' +
        'suser=user:tok_5b1e0f2a request=/a?b\\=c cat=API1:2023 cs1Label=owasp cs1=API1:2023 cs2Label=alertId cs2=alrt_7f3a9c ' +
        'cs3Label=status cs3=open cn1Label=count cn1=3 cnt=3 cfp1Label=confidence cfp1=0.82 externalId=k\\=1 msg=a|b\\=c\\\\d\\nnext',
    );
  });
});

describe('syslog framing', () => {
  test('RFC 5424 with facility authpriv and the severity of the alert', () => {
    const now = new Date('2026-03-02T09:20:00.123Z');
    expect(syslogMessage('CEF:0|x', { severity: 'high', hostname: 'vigil-1', now })).toBe('<83>1 2026-03-02T09:20:00.123Z vigil-1 vigil - - - CEF:0|x');
    expect(syslogMessage('m', { severity: 'low', hostname: 'bad host\n', now })).toBe('<85>1 2026-03-02T09:20:00.123Z badhost vigil - - - m');
    expect(syslogMessage('m', { severity: 'critical', hostname: ' ', now })).toBe('<82>1 2026-03-02T09:20:00.123Z - vigil - - - m');
  });

  test('octet counting counts UTF-8 bytes, not characters', () => {
    expect(octetCountedFrame('héllo').toString('utf8')).toBe('6 héllo');
  });
});
