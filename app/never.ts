/**
 * The `default` of a switch over a union: the call only type-checks when every member has its
 * `case`, so adding a kind (an event type, a payment kind, a change) fails `tsc` at each switch
 * that forgot it. Reaching it at run time means a value from outside the types (a stale row, a
 * cast): it throws, and says only what kind of value it was, never the value (it may be personal).
 */
export function assertNever(value: never, what: string): never {
  void value;
  throw new Error(`unhandled ${what}`);
}
