import type { ErrorCode } from './flightdeck-error.js';

/** One entry of the error catalogue: the code callers decide on, and what a person reads, made from the error's data. */
export interface CatalogueEntry<D> {
  code: ErrorCode;
  text: (data: D) => string;
  /** What the reader can do about it; absent when the words say it already. */
  remedy?: (data: D) => string;
}

/** `e` as it is, with `D` taken from its `text` so that `remedy` is typed by it too. */
export function entry<D>(e: CatalogueEntry<D>): CatalogueEntry<D> {
  return e;
}
