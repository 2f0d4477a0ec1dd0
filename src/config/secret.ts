declare const secretBrand: unique symbol;

/**
 * A string that must never reach a log line or an error message. The brand marks it for readers and
 * reviewers while it still passes anywhere a string goes (client libraries take plain strings).
 */
export type Secret = string & { readonly [secretBrand]: true };

/**
 * Puts `value` on `target` as a non-enumerable property, so JSON.stringify, pino, console.log and
 * util.inspect of the whole object leave it out; reading it by name works as usual. The price: a spread
 * (`{ ...env }`) drops it too, which fails closed.
 */
export function defineSecret<T extends object>(target: T, key: keyof T & string, value: string | undefined): void {
  Object.defineProperty(target, key, { value: value as Secret | undefined, enumerable: false, writable: false, configurable: false });
}
