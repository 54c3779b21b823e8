// The simulator's board: the twins of every part behind shared/hal.ts, handed to the firmware's boot
// in place of the real drivers. The handles stay typed so the sim control channel can drive them.
import type { Clock } from '../shared/clock.js';
import type { FirmwareConfig } from '../firmware/config.js';
import type { BoardHardware } from '../firmware/hardware.js';
import { DirFlash } from '../firmware/drivers/flash.js';
import { SimButton } from './button.js';
import { createSimCamera } from './camera.js';
import { SimFlash } from './flash.js';
import { SimGps } from './gps.js';
import { SimOutput } from './output.js';
import type { SimCameraConfig, SimFields } from './sim-config.js';

export interface SimBoard extends BoardHardware {
  button: SimButton;
  led: SimOutput;
  haptic: SimOutput;
  gps: SimGps;
}

/** Button, LED, haptic, GPS and camera twins (no flash: for tests that give the app no flash). */
export function simHardware(camera: SimCameraConfig, clock: Clock) {
  return {
    button: new SimButton(clock),
    led: new SimOutput('led', clock),
    haptic: new SimOutput('haptic', clock),
    gps: new SimGps(clock),
    camera: createSimCamera({ ...camera, clock, recycle: true }),
  };
}

/** The whole board; flash is a capped SimFlash when simFlashBytes is given, else the real flash dir. */
export function simBoard(config: FirmwareConfig, sim: SimFields, clock: Clock): SimBoard {
  const hw = simHardware(sim.camera, clock);
  const flash = sim.simFlashBytes ? new SimFlash(sim.simFlashBytes, config.paths.flashDir) : new DirFlash(config.paths.flashDir);
  return { ...hw, flash, close: async () => { await hw.button.close(); } };
}
