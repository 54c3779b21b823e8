// The board's hardware from config: the real drivers (GPIO, serial GPS, capture pipeline, flash dir).
// The simulator injects its twins instead (BootOptions.hardware, hardware-sim/camera-main.ts).
import type { Clock } from '../shared/clock.js';
import type { FlashStorage } from '../shared/hal.js';
import { ConfigError } from '../shared/config.js';
import type { FirmwareConfig } from './config.js';
import type { Hardware } from './camera-app.js';
import { PipelineCamera, DEFAULT_CAPTURE_COMMAND } from './drivers/camera.js';
import { DirFlash } from './drivers/flash.js';
import { GpioButton, GpioOutput } from './drivers/gpio.js';
import { SerialGps } from './drivers/gps.js';

export interface BoardHardware extends Hardware {
  flash: FlashStorage;
  close(): Promise<void>;
}

export function openHardware(config: FirmwareConfig, clock: Clock): BoardHardware {
  if (config.hal !== 'real') throw new ConfigError(`config.hal: '${config.hal}' hardware must be injected; this build drives the real board only`);
  const b = config.board;
  if (!b) throw new ConfigError("config.board: required when hal is 'real' (GPIO pins and ttys)");
  const flash = new DirFlash(config.paths.flashDir);
  const button = new GpioButton(b.buttonPin, b.debounceMs, true, clock);
  const led = new GpioOutput(b.ledPin);
  const haptic = new GpioOutput(b.hapticPin);
  const gps = new SerialGps(new GpioOutput(b.gpsEnablePin), b.gpsPort, 9600, clock);
  const camera = new PipelineCamera(config.camera.command ?? DEFAULT_CAPTURE_COMMAND, clock, true);
  return {
    button, led, haptic, gps, camera, flash,
    async close() {
      await button.close();
      await led.close();
      await haptic.close();
    },
  };
}
