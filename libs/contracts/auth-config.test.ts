import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/index.js';

describe('auth config from the environment', () => {
  it('reads OIDC settings, with defaults for tolerance, algorithms and role claim', () => {
    const cfg = loadConfig({
      env: {
        VIGIL_OIDC_ISSUER: 'https://idp.example.org/realms/soc',
        VIGIL_OIDC_AUDIENCE: 'vigil, vigil-cli',
        VIGIL_OIDC_ROLE_MAPPING: '{"soc-analysts":"analyst","soc-admins":"admin"}',
      },
    });
    expect(cfg.auth).toEqual({
      oidc: {
        issuer: 'https://idp.example.org/realms/soc',
        audience: ['vigil', 'vigil-cli'],
        clockToleranceSeconds: 60,
        algorithms: ['RS256', 'ES256'],
        roleClaim: 'roles',
        roleMapping: { 'soc-analysts': 'analyst', 'soc-admins': 'admin' },
        consoleScope: 'openid profile',
      },
      audit: { retentionDays: 400, batchSize: 500, flushIntervalMs: 1000, maxBuffered: 100_000 },
    });
  });

  it('has no OIDC unless configured', () => {
    expect(loadConfig({ env: {} }).auth.oidc).toBeUndefined();
  });

  it('names what is wrong in a bad role mapping, a bad algorithm, or a missing issuer', () => {
    const base = { VIGIL_OIDC_ISSUER: 'https://idp.example.org', VIGIL_OIDC_AUDIENCE: 'vigil' };
    // A bad value inside the mapping is named by its key path (libs/config maps whole variables only).
    expect(() => loadConfig({ env: { ...base, VIGIL_OIDC_ROLE_MAPPING: '{"x":"root"}' } })).toThrow(/auth\.oidc\.roleMapping\.x: Invalid option/);
    expect(() => loadConfig({ env: { ...base, VIGIL_OIDC_ROLE_MAPPING: 'admins=admin' } })).toThrow(
      'VIGIL_OIDC_ROLE_MAPPING: expected a JSON object such as {"vigil-admins":"admin"}',
    );
    expect(() => loadConfig({ env: { ...base, VIGIL_OIDC_ALGORITHMS: 'HS256' } })).toThrow(/auth\.oidc\.algorithms\.0: Invalid option/);
    expect(() => loadConfig({ env: { VIGIL_OIDC_AUDIENCE: 'vigil' } })).toThrow(/auth\.oidc\.issuer: /);
  });
});
