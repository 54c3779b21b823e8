// Child process for the power-cut tests: runs a real install and, at the step named by KILL_AT,
// tells the parent and blocks, so the parent's SIGKILL lands exactly there.
import { Updater, type InstallStep } from '../../firmware/update/install.js';

const killAt = process.env.KILL_AT as InstallStep | 'mid-file' | 'none';
const park = (at: string) => {
  process.send!({ at });
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 120_000);
};
const up = new Updater({
  slotsDir: process.env.SLOTS!,
  trust: { releaseKeys: JSON.parse(process.env.KEYS!) as Record<string, string> },
  hardware: process.env.HW!,
  onStep: (step) => { if (step === killAt) park(step); },
});
let parked = false;
up.install(process.env.BUNDLE!, {
  onProgress: (done, total) => {
    if (killAt === 'mid-file' && !parked && done < total) {
      parked = true;
      park('mid-file');
    }
  },
}).then(
  (r) => process.send!({ at: 'done', r }, () => process.exit(0)),
  (err: Error) => process.send!({ at: 'error', message: err.message }, () => process.exit(1)),
);
