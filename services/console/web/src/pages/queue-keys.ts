/** What a key press means in the queue; pure, so the bindings are tested without a browser. */
export type QueueKeyAction = 'down' | 'up' | 'open' | 'select' | 'acknowledge' | 'resolve';

/**
 * Letter keys work anywhere on the page except while typing in a field; arrows and Enter only on a
 * focused row (elsewhere they scroll the page, press buttons or follow links as usual).
 */
export function queueKeyAction(key: string, where: { typing: boolean; inTable: boolean }): QueueKeyAction | null {
  if (where.typing) return null;
  switch (key) {
    case 'j':
      return 'down';
    case 'k':
      return 'up';
    case 'x':
      return 'select';
    case 'a':
      return 'acknowledge';
    case 'r':
      return 'resolve';
    case 'ArrowDown':
      return where.inTable ? 'down' : null;
    case 'ArrowUp':
      return where.inTable ? 'up' : null;
    case 'Enter':
      return where.inTable ? 'open' : null;
    default:
      return null;
  }
}

export function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof Element)) return false;
  return target.closest('input:not([type="checkbox"]), select, textarea, [contenteditable="true"]') !== null;
}
