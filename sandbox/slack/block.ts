/** A Block Kit block as the emulator stores it (parsed JSON object). */
export type Block = Record<string, unknown>;
