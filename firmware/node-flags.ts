// The node flags the firmware runs with (the launcher passes them; docs/firmware.md for boards
// without slots). V8's young generation otherwise grows to 2 × 8 MiB on a machine with plenty of RAM,
// which the camera's memory budget cannot spare: with capture buffers recycled and the pre-record in
// pool blocks, little lives long enough to want a bigger one (issue 18, docs/performance.md).
export const FIRMWARE_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=1'];
