// Config fields for the MQTT connection, shared by the dock agent's and the central store's configs.
import { z } from 'zod';

/** mqtts:// (or ssl://) only, and never user:password@ inside it. Shared with the central store's config. */
export const mqttsUrl = z.string()
  .regex(/^(mqtts|ssl):\/\//, 'an mqtts:// URL (TLS; plaintext MQTT is refused)')
  .refine((u) => { try { const x = new URL(u); return !x.username && !x.password; } catch { return false; } }, 'a URL without credentials (the client certificate authenticates)');
