// What a peer that has not authenticated may send: requests per second and request payload bytes per
// second, each with a burst. Frames over budget are dropped unanswered (they cost no reply and no
// queue), so a flood costs the camera only the decoding.
import type { Frame } from '../../shared/wire/frame.js';

export const UNAUTH_BUDGET = { requestsPerS: 10, requestBurst: 20, bytesPerS: 64 * 1024, byteBurst: 128 * 1024 };

/** Token bucket: `rate` per second up to `burst`. */
function bucket(rate: number, burst: number, now: () => number) {
  let tokens = burst;
  let at = now();
  return (cost: number): boolean => {
    const t = now();
    tokens = Math.min(burst, tokens + ((t - at) / 1000) * rate);
    at = t;
    if (tokens < cost) return false;
    tokens -= cost;
    return true;
  };
}

/** The RpcServer's admission checks: everything once authenticated, within budget before. */
export function unauthAdmission(authenticated: () => boolean, overrides: Partial<typeof UNAUTH_BUDGET> = {}) {
  const budget = { ...UNAUTH_BUDGET, ...overrides };
  const requests = bucket(budget.requestsPerS, budget.requestBurst, Date.now);
  const bytes = bucket(budget.bytesPerS, budget.byteBurst, Date.now);
  return {
    admit: (f: Frame): boolean => authenticated() || (requests(1) && bytes(f.payload.length)),
    // A NAK answers a corrupt frame: before auth it spends the same request budget (stacked headers are all corrupt).
    admitNak: (): boolean => authenticated() || requests(1),
  };
}
