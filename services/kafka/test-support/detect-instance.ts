import type { Config } from '../../../libs/contracts/index.js';
import type { Logger } from '../../../libs/log/index.js';
import type { Store } from '../../../libs/store/types.js';
import { createCore, type Core } from '../../core.js';
import { createConfiguredHandoff, type BaselineHandoff } from '../handoff.js';
import { createKafkaRoles, type KafkaRoles } from '../index.js';

/** One Vigil process of a multi-instance Kafka test: its roles, its core and its baseline handoff. */
export interface DetectInstance {
  roles: KafkaRoles;
  core: Core;
  handoff: BaselineHandoff;
}

/**
 * Starts an instance as `vigil start` wires one (handoff bound to the core and the live assignment),
 * on a store the test shares between instances (standing in for one ClickHouse server), with a
 * short session timeout so rebalances finish quickly. `core` passes extra core deps (an injected
 * snapshot timer).
 */
export async function startDetectInstance(
  config: Config,
  deps: { logger: Logger; store: Store; core?: Omit<Parameters<typeof createCore>[1], 'logger' | 'store'> },
): Promise<DetectInstance> {
  const handoff = createConfiguredHandoff(config, deps.logger);
  const roles = createKafkaRoles(config, { logger: deps.logger, handoff, tuning: { sessionTimeoutMs: 10_000 } });
  const core = await createCore(config, { logger: deps.logger, store: deps.store, onAlertsWritten: (x) => roles.onAlertsWritten(x), ...deps.core });
  handoff.attach(core, () => roles.assignment());
  await roles.start(core);
  return { roles, core, handoff };
}
