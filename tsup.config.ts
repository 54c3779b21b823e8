import { defineConfig } from 'tsup';

// Deployable bundles. Native addons stay external: they are installed per target with npm ci.
// camera-sim is not deployed: the firmware on the simulator's twins, for a launcher slot in tests
// (dist/firmware.js carries no simulator code; test/build.test.ts checks).
export default defineConfig({
  entry: {
    firmware: 'firmware/main.ts',
    'camera-sim': 'hardware-sim/camera-main.ts',
    launcher: 'firmware/update/launcher.ts',
    'dock-agent': 'dock-agent/main.ts',
    'central-store': 'central-store/main.ts',
    bodycam: 'tools/bodycam.ts',
    // The face detector's thread (central store only; started by central-store/redaction/detect-pool.ts).
    'redaction-worker': 'central-store/redaction/detect-worker.ts',
  },
  format: ['esm'],
  platform: 'node',
  target: 'node20',
  splitting: false,
  sourcemap: true,
  clean: true,
  banner: { js: '#!/usr/bin/env node' },
  // firmware/build-info.ts: SET_CLOCK refuses times before the build (SOURCE_DATE_EPOCH for reproducible builds).
  define: { __BODYCAM_BUILD_TIME_MS__: String(process.env.SOURCE_DATE_EPOCH ? Number(process.env.SOURCE_DATE_EPOCH) * 1000 : Date.now()) },
  // zod is bundled so the camera's zod/mini (shared/zod-mini.ts) is tree-shaken: ~1 MB of RSS where the
  // package's entry, with all of zod's core, costs ~5 (docs/performance.md).
  noExternal: ['zod'],
  external: ['better-sqlite3', 'serialport', '@serialport/bindings-cpp', 'onoff', 'epoll', 'usb', 'aedes', 'mqtt'],
});
