// Composition of the camera: hardware (real drivers, or the simulator's twins injected), GPS guard,
// recorder. The vault and device log are injected (firmware/boot.ts opens them), so this runs with fakes in tests.
import type { Logger } from 'pino';
import type { ButtonInput, DigitalOutput, FlashStorage, GpsModule, VideoSource } from '../shared/hal.js';
import type { Clock } from '../shared/clock.js';
import type { FirmwareConfig } from './config.js';
import type { EventLog } from './event-log.js';
import { Recorder, type ClipVault } from './recorder.js';
import { GpsGuard } from './gps-guard.js';

export interface Hardware {
  button: ButtonInput;
  led: DigitalOutput;
  haptic: DigitalOutput;
  gps: GpsModule;
  camera: VideoSource;
  /** Free-space accounting for the recorder (flash-full handling); absent in unit tests. */
  flash?: FlashStorage;
}

export class CameraApp {
  readonly recorder: Recorder;
  readonly guard: GpsGuard;
  constructor(
    readonly config: FirmwareConfig,
    readonly hw: Hardware,
    vault: ClipVault,
    private readonly deviceLog: EventLog,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {
    this.guard = new GpsGuard({ gps: hw.gps, led: hw.led, clock, deviceLog, logger });
    this.recorder = new Recorder({ config, clock, button: hw.button, led: hw.led, haptic: hw.haptic, source: hw.camera, vault, deviceLog, logger, flash: hw.flash });
  }

  async start(): Promise<void> {
    await this.guard.apply(this.config.gps);
    this.recorder.start();
    this.hw.camera.onError((err) => {
      this.logger.error({ err }, 'camera fault');
      this.deviceLog.append('fault', { kind: 'camera', message: err.message });
    });
    await this.hw.camera.start();
    this.deviceLog.append('boot', { deviceId: this.config.deviceId, hal: this.config.hal, atMs: this.clock.now() });
  }

  status() {
    return {
      led: this.hw.led.get(),
      haptic: this.hw.haptic.get(),
      recorder: this.recorder.state,
      /** Camera time at the end of the newest segment captured (what a power cut would be measured against). */
      lastSegmentEndMs: this.recorder.lastSegmentEndMs,
      clipIds: [...this.recorder.clipIds],
      prebuffer: this.recorder.prebuffer(),
      gpsFault: this.guard.fault ?? null,
    };
  }

  /** Clean shutdown (SIGTERM): close the open clip, stop the camera. */
  async stop(): Promise<void> {
    await this.recorder.close();
    await this.hw.camera.stop();
    this.guard.close();
    await this.hw.gps.close();
  }
}
