/**
 * Stops calling a store that keeps failing: after `failureThreshold` consecutive failures the circuit
 * opens for `openMs` (calls skipped), then one probe call is let through (half-open); its success closes
 * the circuit, its failure opens it again.
 */
export interface CircuitBreakerOptions {
  failureThreshold: number;
  openMs: number;
  now?: () => number;
}

export type CircuitState = 'closed' | 'open' | 'half-open';

export interface CircuitBreaker {
  /** True when a call may go ahead now (in half-open state, only one at a time). */
  allow(): boolean;
  succeeded(): void;
  failed(): void;
  state(): CircuitState;
}

export function createCircuitBreaker(opts: CircuitBreakerOptions): CircuitBreaker {
  const now = opts.now ?? Date.now;
  let consecutiveFailures = 0;
  let openedAt: number | undefined;
  let probing = false;

  const state = (): CircuitState => {
    if (openedAt === undefined) return 'closed';
    return now() - openedAt >= opts.openMs ? 'half-open' : 'open';
  };

  return {
    allow() {
      const current = state();
      if (current === 'closed') return true;
      if (current === 'open' || probing) return false;
      probing = true;
      return true;
    },
    succeeded() {
      consecutiveFailures = 0;
      openedAt = undefined;
      probing = false;
    },
    failed() {
      consecutiveFailures += 1;
      if (probing || consecutiveFailures >= opts.failureThreshold) {
        openedAt = now();
        probing = false;
      }
    },
    state,
  };
}
