// The node flags the firmware runs with (the launcher passes them; docs/firmware.md for boards
// without slots). Measured on the built bundle, 60 s at 8 Mbit/s (docs/performance.md, issue 18):
// - --max-semi-space-size=1: V8's young generation otherwise grows to 2 × 8 MiB on a machine with
//   plenty of RAM; with capture buffers recycled and the pre-record in pool blocks, little lives long
//   enough to want a bigger one.
// - --single-threaded: no V8 worker threads (GC and compilation on the main thread); their malloc
//   arenas and stacks cost ~4-6 MB, and with a ~15 MB heap the main thread's GC pauses stay short.
// - --lite-mode (implies --jitless): V8's interpreter only, no optimising compilers or feedback
//   vectors: ~9 MB less (5 MB of node's compiler code never paged in). The camera's per-byte work is
//   native (AES-GCM, SHA-256, CRC-32, copies); JS runs per packet and segment, where it costs ~1 % of
//   a core at 8 Mbit/s. No WebAssembly is used; --no-expose-wasm silences the warning lite mode prints.
export const FIRMWARE_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=1', '--single-threaded', '--lite-mode', '--no-expose-wasm'];
