// zod's mini API for code the camera loads: tree-shaken into the firmware bundle it costs ~1 MB of
// RSS where zod's classic API costs ~5 (docs/performance.md). The checks are zod's own, so the
// messages are the same; mini loads no locale by itself, so this sets zod's English one. Import
// `* as z from 'zod/mini'` in each file (a namespace passed on from here would keep all of zod).
import { config, int as intFormat, maximum, minimum, minLength, number, string } from 'zod/mini';
import { en } from 'zod/locales';

config(en());

/** An integer (the classic API's z.number().int()), optionally bounded [min, max]. */
export function int(min?: number, max?: number) {
  const n = number().check(intFormat());
  if (min !== undefined && max !== undefined) return n.check(minimum(min), maximum(max));
  if (min !== undefined) return n.check(minimum(min));
  return n;
}

/** A string of at least `min` characters. */
export const str = (min: number) => string().check(minLength(min));
