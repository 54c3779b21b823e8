import { defineConfig } from 'tsup';

// Deployable bundles. Native addons stay external: they are installed per target with npm ci.
export default defineConfig({
  entry: {
    firmware: 'firmware/main.ts',
    launcher: 'firmware/update/launcher.ts',
    'dock-agent': 'dock-agent/main.ts',
    'central-store': 'central-store/main.ts',
    bodycam: 'shared/cli/bodycam.ts',
  },
  format: ['esm'],
  platform: 'node',
  target: 'node20',
  splitting: false,
  sourcemap: true,
  clean: true,
  banner: { js: '#!/usr/bin/env node' },
  external: ['better-sqlite3', 'serialport', '@serialport/bindings-cpp', 'onoff', 'epoll', 'usb', 'aedes', 'mqtt'],
});
