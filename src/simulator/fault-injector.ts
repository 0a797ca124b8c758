/** Faults the simulator can inject, so tests and benchmarks can exercise the client's failure paths. */
export type Fault =
  | { kind: 'latency'; ms: number }
  | { kind: 'status'; status: number; body?: unknown }
  | { kind: '429'; retryAfterSeconds: number }
  | { kind: 'reset' }
  | { kind: 'truncate' }
  | { kind: 'invalid-json' }
  | { kind: 'invalid-base64' };

/** Matches every request; otherwise a target is an asset ID or 'tokenRequestors'. */
export const ALL_REQUESTS = '*';
export const TOKEN_REQUESTORS_TARGET = 'tokenRequestors';

export interface FaultInjector {
  /**
   * Applies `fault` to the next `times` requests for `target` (an asset or requestor-asset ID,
   * 'tokenRequestors', or '*'), or to all of them until cleared when `times` is omitted.
   * Several faults for one target apply in the order injected.
   */
  inject(target: string, fault: Fault, times?: number): void;
  /** Removes the faults of one target, or all faults. */
  clear(target?: string): void;
  /** Consumes and returns the fault for one request: its own target first, then '*'. */
  take(target: string): Fault | undefined;
}

interface FaultRule {
  fault: Fault;
  remaining: number;
}

export function createFaultInjector(): FaultInjector {
  const rules = new Map<string, FaultRule[]>();

  function takeFrom(target: string): Fault | undefined {
    const list = rules.get(target);
    const rule = list?.[0];
    if (!list || !rule) return undefined;
    rule.remaining--;
    if (rule.remaining <= 0) list.shift();
    if (list.length === 0) rules.delete(target);
    return rule.fault;
  }

  return {
    inject(target, fault, times) {
      if (times !== undefined && (!Number.isInteger(times) || times < 1)) {
        throw new RangeError('times must be a positive integer');
      }
      const list = rules.get(target) ?? [];
      list.push({ fault, remaining: times ?? Number.POSITIVE_INFINITY });
      rules.set(target, list);
    },
    clear(target) {
      if (target === undefined) rules.clear();
      else rules.delete(target);
    },
    take(target) {
      return takeFrom(target) ?? takeFrom(ALL_REQUESTS);
    },
  };
}
