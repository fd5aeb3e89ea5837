/**
 * InternalError: a broken compiler invariant (a bug in pnn, not in the user's program).
 * It carries a dump (usually the IR text) so the bug report is self-contained.
 */
export class InternalError extends Error {
  constructor(message: string, readonly dump?: string) {
    super(dump ? `${message}\n--- dump ---\n${dump}` : message);
    this.name = "InternalError";
  }
}
