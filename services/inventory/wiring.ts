import type { DetectorRuntime } from '../../detectors/framework.js';
import type { AlertManager } from '../detect/alert-manager.js';
import type { Inventory } from './index.js';

/**
 * The detector runtime with the inventory fed from the same call: every transport (file, HTTP,
 * Kafka detect role) that detects also inventories, and inventory findings reach the alert
 * manager with the detectors' findings.
 */
export function withInventory(inner: DetectorRuntime, inventory: Pick<Inventory, 'observe'>): DetectorRuntime {
  return {
    ...inner,
    detect(event, origin, watermark) {
      const found = inner.detect(event, origin, watermark);
      const more = inventory.observe(event);
      return more.length === 0 ? found : [...found, ...more];
    },
  };
}

/**
 * The alert manager as the batch writer sees it: its flush first writes the changed inventory
 * routes, so route rows are stored after the events they count and before offsets move.
 */
export function flushingInventory(alerts: AlertManager, inventory: Pick<Inventory, 'flush'>): AlertManager {
  return {
    ...alerts,
    async flush() {
      await inventory.flush();
      await alerts.flush();
    },
  };
}
