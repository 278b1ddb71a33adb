import { randomBytes } from 'node:crypto';
import {
  DestinationSchema,
  type Alert,
  type Delivery,
  type Destination,
  type DestinationInput,
  type DestinationPatch,
  type DestinationType,
  type DestinationWithSecrets,
} from '../../libs/contracts/index.js';
import { VigilError, isVigilError } from '../../libs/errors/index.js';
import type { DeliveryFilter, Store } from '../../libs/store/types.js';
import { resetForRetry } from './retry-policy.js';
import type { CreateSender, SendOutcome, SenderDeps } from './types.js';

/** The URL check libs/outbound runs (injected so the service is testable without DNS). */
export type CheckUrl = (url: string, opts: { allowPrivateNetwork?: boolean; schemes?: ReadonlyArray<'http:' | 'https:' | 'tcp:' | 'tls:'> }) => Promise<void>;

export interface DestinationService {
  list(): Promise<Destination[]>;
  create(input: DestinationInput): Promise<Destination>;
  update(id: string, patch: DestinationPatch): Promise<Destination>;
  remove(id: string): Promise<void>;
  /** Sends a synthetic test alert now through the real sender; never enqueued, filters ignored. */
  test(id: string): Promise<{ idempotencyKey: string; outcome: SendOutcome }>;
  listDeliveries(filter: DeliveryFilter): Promise<Delivery[]>;
  /** A failed delivery becomes pending again, due now, with a fresh budget of attempts. */
  retryDelivery(id: string): Promise<Delivery>;
}

const SCHEMES: Record<DestinationType, ReadonlyArray<'http:' | 'https:' | 'tcp:' | 'tls:'>> = {
  webhook: ['http:', 'https:'],
  ocsf: ['http:', 'https:'],
  'splunk-hec': ['http:', 'https:'],
  'cef-syslog': ['tcp:', 'tls:'],
};

const bad = (message: string): VigilError => new VigilError('bad_request', message, { publicMessage: message });

/** Only what may leave the process: the schema drops secret and token. */
export function publicDestination(d: DestinationWithSecrets): Destination {
  return DestinationSchema.parse(d);
}

/**
 * Checks a destination as it will be stored: the credential its type needs, no credential it
 * would silently ignore, and a URL of the right scheme that the SSRF guard accepts (loopback,
 * private and link-local targets only with allowPrivateNetwork). Throws bad_request naming the problem.
 */
export async function validateDestination(d: Omit<DestinationWithSecrets, 'id' | 'source' | 'createdAt' | 'updatedAt' | 'hasSecret' | 'hasToken'>, checkUrl: CheckUrl): Promise<void> {
  const who = `destination "${d.name}" (${d.type})`;
  if ((d.type === 'webhook' || d.type === 'ocsf') && d.secret === undefined) throw bad(`${who} needs a secret (16+ characters): its deliveries are signed with it`);
  if (d.type === 'splunk-hec' && d.token === undefined) throw bad(`${who} needs a token (the HEC token)`);
  if (d.type !== 'splunk-hec' && d.token !== undefined) throw bad(`${who} does not use a token (only splunk-hec does)`);
  if ((d.type === 'splunk-hec' || d.type === 'cef-syslog') && d.secret !== undefined) throw bad(`${who} does not use a secret (only webhook and ocsf do)`);
  try {
    await checkUrl(d.url, { allowPrivateNetwork: d.allowPrivateNetwork === true, schemes: SCHEMES[d.type] });
  } catch (err) {
    if (isVigilError(err) && (err.code === 'destination_refused' || err.code === 'destination_unreachable')) {
      throw new VigilError('bad_request', `${who}: ${err.message}`, { cause: err, publicMessage: `url refused: ${err.message}` });
    }
    throw err;
  }
}

/** A finding-free alert that exercises the real format and wire, marked as a test everywhere it can be. */
export function testAlert(at: Date): Alert {
  const iso = at.toISOString();
  return {
    id: `alr_test_${randomBytes(8).toString('hex')}`,
    detector: 'vigil/test',
    owasp: 'API1:2023',
    severity: 'low',
    principal: 'vigil:test',
    route: '/vigil/test',
    sourceIps: ['192.0.2.1'],
    firstSeen: iso,
    lastSeen: iso,
    count: 1,
    status: 'open',
    summary: 'Vigil test alert: this destination receives Vigil alerts (sent on demand, not a detection)',
    evidence: { test: true },
    confidence: 1,
    sampleEventIds: [],
    version: 1,
    updatedAt: iso,
  };
}

export function createDestinationService(deps: {
  store: Store;
  checkUrl: CheckUrl;
  createSender: CreateSender;
  senderDeps: SenderDeps;
  now?: () => number;
  /** A failed delivery was reset for a retry (the worker polls at once instead of after its idle wait). */
  onRetry?: () => void;
}): DestinationService {
  const now = deps.now ?? Date.now;

  async function existing(id: string): Promise<DestinationWithSecrets> {
    const d = await deps.store.getDestination(id);
    if (d === undefined) throw new VigilError('not_found', 'destination not found', { publicMessage: 'destination not found' });
    return d;
  }

  function writable(d: DestinationWithSecrets): void {
    if (d.source === 'config') {
      const message = `destination ${d.id} is declared in the config file (notify.destinations); change or remove it there, it is read-only through the API`;
      throw new VigilError('conflict', message, { publicMessage: message });
    }
  }

  async function nameFree(name: string, except?: string): Promise<void> {
    const clash = (await deps.store.listDestinations()).find((d) => d.name === name && d.id !== except);
    if (clash) throw new VigilError('conflict', `name taken by ${clash.id}`, { publicMessage: `a destination named "${name}" already exists (${clash.id})` });
  }

  return {
    async list() {
      return (await deps.store.listDestinations()).map(publicDestination);
    },

    async create(input) {
      await validateDestination(input, deps.checkUrl);
      await nameFree(input.name);
      const at = new Date(now()).toISOString();
      const d: DestinationWithSecrets = {
        ...input,
        allowPrivateNetwork: input.allowPrivateNetwork === true,
        id: `dst_${randomBytes(8).toString('hex')}`,
        hasSecret: input.secret !== undefined,
        hasToken: input.token !== undefined,
        source: 'api',
        createdAt: at,
        updatedAt: at,
      };
      await deps.store.putDestination(d);
      return publicDestination(d);
    },

    async update(id, patch) {
      const cur = await existing(id);
      writable(cur);
      const merged: DestinationWithSecrets = { ...cur, ...patch, updatedAt: new Date(now()).toISOString() };
      // A type change drops the credential the new type does not use (unless the patch sets it).
      if (merged.type !== cur.type) {
        if (patch.secret === undefined && (merged.type === 'splunk-hec' || merged.type === 'cef-syslog')) delete merged.secret;
        if (patch.token === undefined && merged.type !== 'splunk-hec') delete merged.token;
      }
      merged.hasSecret = merged.secret !== undefined;
      merged.hasToken = merged.token !== undefined;
      await validateDestination(merged, deps.checkUrl);
      if (patch.name !== undefined) await nameFree(patch.name, id);
      await deps.store.putDestination(merged);
      return publicDestination(merged);
    },

    async remove(id) {
      writable(await existing(id));
      await deps.store.deleteDestination(id);
    },

    async test(id) {
      const d = await existing(id);
      const alert = testAlert(new Date(now()));
      const idempotencyKey = `${alert.id}:${alert.version}`;
      const sender = deps.createSender(d, deps.senderDeps);
      try {
        return { idempotencyKey, outcome: await sender.send(alert, { idempotencyKey, now: new Date(now()) }) };
      } finally {
        await sender.close();
      }
    },

    listDeliveries: (filter) => deps.store.listDeliveries(filter),

    async retryDelivery(id) {
      const d = await deps.store.getDelivery(id);
      if (d === undefined) throw new VigilError('not_found', 'delivery not found', { publicMessage: 'delivery not found' });
      if (d.status !== 'failed') {
        const message = `only failed deliveries can be retried; this one is ${d.status}`;
        throw new VigilError('conflict', message, { publicMessage: message });
      }
      const next = resetForRetry(d, now());
      await deps.store.saveDelivery(next);
      deps.onRetry?.();
      const { rev: _rev, alert: _alert, ...pub } = next;
      return pub;
    },
  };
}
