import { z } from 'zod';

/**
 * The simulator's ground truth. NOTE: these schemas describe files the simulator writes for the
 * benchmark (labels.jsonl, population.json), not anything Vigil ingests or serves, which is why
 * they live beside the simulator rather than in libs/contracts.
 */
export const ATTACK_DETECTORS = {
  'bola-patient-context': 'bola/patient-context',
  'bola-foreign-object': 'bola/foreign-object',
  'bola-enumeration': 'bola/enumeration',
  bfla: 'bfla',
  'scope-violation': 'scope-violation',
  'credential-stuffing': 'credential-stuffing',
  'account-takeover': 'credential-stuffing',
  'token-misuse': 'token-misuse',
  scraping: 'scraping',
  'data-exfiltration': 'data-exfiltration',
  'flow-abuse': 'flow-abuse',
  rate: 'rate',
} as const;

export type AttackKind = keyof typeof ATTACK_DETECTORS;
export const ATTACK_KINDS = Object.keys(ATTACK_DETECTORS) as AttackKind[];

export const LabelSchema = z
  .object({
    id: z.string(),
    kind: z.enum(ATTACK_KINDS as [AttackKind, ...AttackKind[]]),
    /** The detector expected to catch it. */
    detector: z.string(),
    /** As Vigil derives it: user:<sub>, app:<client_id>, ip:<addr>. Absent for API keys (keyed fingerprints): see ip. */
    principal: z.string().optional(),
    /** The attacker's address, when the attack comes from one network. */
    ip: z.string().optional(),
    /** ISO 8601 event time of the first and last attack request. */
    start: z.string(),
    end: z.string(),
  })
  .strict();
export type Label = z.infer<typeof LabelSchema>;

/**
 * Who the benign populations are, so the benchmark can check that they raise no alerts.
 * Principals as Vigil derives them; partners (API keys) by address.
 */
export const PopulationSchema = z.object({
  seed: z.number().int(),
  days: z.number().int(),
  format: z.enum(['kong', 'nginx', 'envoy']),
  start: z.string(),
  end: z.string(),
  records: z.number().int(),
  groups: z.object({
    patients: z.array(z.string()),
    narrowAppUsers: z.array(z.string()),
    clinicians: z.array(z.string()),
    exportServices: z.array(z.string()),
    syncServices: z.array(z.string()),
    billing: z.array(z.string()),
    partnerIps: z.array(z.string()),
  }),
  params: z.record(z.string(), z.unknown()),
});
export type Population = z.infer<typeof PopulationSchema>;
