/** Small object helpers for data that comes from a document or a caller (any key, `__proto__` included). */

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Sets `key` as an own enumerable property, even `__proto__` (plain assignment would replace the
 * object's prototype instead, and the key would vanish from JSON).
 */
export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** `target[key]` when it is an own property, else undefined (never an inherited `__proto__` or `constructor`). */
export function getOwn(target: Record<string, unknown>, key: string): unknown {
  return Object.hasOwn(target, key) ? target[key] : undefined;
}
