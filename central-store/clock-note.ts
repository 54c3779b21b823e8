// A camera's signed recording time is its own clock's word. Central cannot correct it, but it can tell
// when it cannot be right, flag the clip for the evidence officer, and count retention from receipt.

/** A recording cannot start after it reached the store (beyond this much clock and line slack). */
export const AHEAD_SLACK_MS = 5 * 60_000;
/** ... nor before the camera's certificate was issued (the CA backdates certificates 5 minutes). */
export const BEFORE_CERT_SLACK_MS = 24 * 3600_000;

/** Why the signed times cannot be right, or null when they are plausible. */
export function clockNote(startedMs: number, stoppedMs: number | null, receivedMs: number, certFromMs: number): string | null {
  if (startedMs > receivedMs + AHEAD_SLACK_MS) return `camera clock ahead: recording starts ${Math.round((startedMs - receivedMs) / 1000)} s after the store received it`;
  if (Number.isFinite(certFromMs) && startedMs < certFromMs - BEFORE_CERT_SLACK_MS) {
    return `camera clock behind: recording starts ${new Date(startedMs).toISOString()}, before the camera's certificate (${new Date(certFromMs).toISOString()})`;
  }
  if (stoppedMs !== null && stoppedMs > receivedMs + AHEAD_SLACK_MS) return `camera clock ahead: recording stops ${Math.round((stoppedMs - receivedMs) / 1000)} s after the store received it`;
  return null;
}
