// When this firmware was built. The bundler sets it (tsup.config.ts); run from source it is the date
// this release line began. SET_CLOCK refuses any time before it: no clock can be older than its code.
declare const __BODYCAM_BUILD_TIME_MS__: number | undefined;

export const BUILD_TIME_MS: number = typeof __BODYCAM_BUILD_TIME_MS__ === 'number' ? __BODYCAM_BUILD_TIME_MS__ : Date.parse('2026-11-01T00:00:00Z');
