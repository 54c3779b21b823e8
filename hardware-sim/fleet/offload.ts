// End of shift: the cameras go into the dock, a bay each (in waves when there are more cameras than
// bays), while the offload faults (dock crash, broker restart, central crash, USB detach) fire at
// seeded numbers of pulled clips, one at a time.
import { startPtyPair } from '../serial.js';
import { startSocketLinePair } from '../socket-line.js';
import { faultCount, type Cam } from './cameras.js';
import type { RunReport } from './checks.js';
import { pick } from './prng.js';
import type { Progress } from './progress.js';
import type { Scenario } from './scenario.js';
import type { Services } from './services.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class Offload {
  private pulled = 0;
  /** Bays (dock tty paths) whose camera the dock has finished: wipe answers, device log. */
  private readonly bayDone = new Set<string>();
  private readonly docked = new Set<Cam>();
  private faults: { kind: 'dock-crash' | 'broker-restart' | 'central-crash' | 'usb-detach'; at: number; done: boolean }[] = [];
  private faultChain: Promise<void> = Promise.resolve();
  private services?: Services;

  constructor(private readonly sc: Scenario, private readonly rand: () => number, private readonly o: {
    counts: RunReport['faults']; events: string[]; progress?: Progress;
  }) {}

  /** The dock agent's events, from the start of the run. */
  dockEvent(e: Record<string, unknown>): void {
    if (e.type === 'bay-done') this.bayDone.add(String(e.ttyPath));
    this.o.events.push(`${String(e.type)} ${String(e.deviceId ?? e.ttyPath ?? '')}`);
    if (process.env.FLEET_DEBUG) process.stderr.write(`dock event ${JSON.stringify(e)}\n`);
    if (e.type === 'pulled') { this.pulled++; void this.fireFaults(); }
    if (e.type === 'wiped') this.o.progress?.tick(String(e.deviceId), 'wiped');
  }

  /** Dock every camera and wait until each is empty and its bay done (or timeoutMs); returns the device logs not collected. */
  async run(cams: Cam[], services: Services, o: { timeoutMs: number; logGraceMs?: number }): Promise<number> {
    const { sc, rand } = this;
    this.services = services;
    // Counted from the clips really on the cameras (a power cut can cost an incident; a fault planned
    // past the last pull would never fire).
    const onFlash = await Promise.all(cams.map((c) => c.proc.send({ op: 'status' }).then((st) => Number(st.clipsOnFlash) || 0, () => 0)));
    const expected = Math.max(1, Math.min(sc.cameras * sc.incidentsPerCamera, onFlash.reduce((a, b) => a + b, 0)));
    this.faults = (['dock-crash', 'broker-restart', 'central-crash', 'usb-detach'] as const).flatMap((kind) =>
      Array.from({ length: faultCount(sc, kind) }, () => ({ kind, at: 1 + Math.floor(rand() * expected), done: false })));

    let logsNotCollected = 0;
    const deadline = Date.now() + o.timeoutMs;
    for (let w = 0; w < cams.length; w += sc.bays) {
      const wave = cams.slice(w, w + sc.bays);
      for (const cam of wave) { await this.dockCam(cam); this.o.progress?.tick(cam.deviceId, 'docked'); }
      // Every camera of the wave is watched at once, so one camera's grace does not wait on another's.
      await Promise.all(wave.map(async (cam) => {
        let emptySince: number | undefined;
        while (Date.now() < deadline) {
          const st = await cam.proc.send({ op: 'status' }).catch(() => ({ clipsOnFlash: -1 }));
          // Done when the flash is empty and the dock has finished the bay (wipe answers, device log).
          if (st.clipsOnFlash === 0 && cam.pty && this.bayDone.has(cam.pty.a)) break;
          emptySince = st.clipsOnFlash === 0 ? (emptySince ?? Date.now()) : undefined;
          if (emptySince !== undefined && o.logGraceMs !== undefined && Date.now() - emptySince > o.logGraceMs) break;
          await sleep(300);
        }
        if (!cam.pty || !this.bayDone.has(cam.pty.a)) logsNotCollected++;
      }));
      await this.faultChain;
      for (const cam of wave) await this.undockCam(cam);
    }
    return logsNotCollected;
  }

  private async dockCam(cam: Cam): Promise<void> {
    const { sc, rand } = this;
    cam.pty = sc.line === 'socket' ? await startSocketLinePair() : await startPtyPair();
    this.bayDone.delete(cam.pty.a);
    const faults = sc.serial.bitErrorRate > 0 || sc.serial.dropRate > 0 ? { ber: sc.serial.bitErrorRate, dropRate: sc.serial.dropRate, seed: Math.floor(rand() * 2 ** 31) } : undefined;
    await cam.proc.send({ op: 'dock', tty: cam.pty.b, faults });
    await this.services!.dock.request({ op: 'dock', bay: cam.bay, deviceId: cam.deviceId, tty: cam.pty.a });
    this.docked.add(cam);
  }

  private async undockCam(cam: Cam): Promise<void> {
    this.docked.delete(cam);
    await this.services!.dock.request({ op: 'undock', bay: cam.bay }).catch(() => undefined);
    await cam.proc.send({ op: 'undock' }).catch(() => undefined);
    await cam.pty?.stop();
    cam.pty = undefined;
  }

  private async fireFaults(): Promise<void> {
    const { counts } = this.o;
    const services = this.services!;
    for (const f of this.faults) {
      if (f.done || this.pulled < f.at) continue;
      f.done = true;
      this.faultChain = this.faultChain.then(async () => {
        if (f.kind === 'dock-crash') {
          await services.crashDock(() => void counts.dockCrashes++);
          // The new dock process enumerates the bays that are occupied, as USB does at start.
          for (const cam of this.docked) await services.dock.request({ op: 'dock', bay: cam.bay, deviceId: cam.deviceId, tty: cam.pty!.a });
        } else if (f.kind === 'broker-restart') {
          await services.restartBroker();
          counts.brokerRestarts++;
        } else if (f.kind === 'central-crash') {
          await services.crashCentral(() => void counts.centralCrashes++);
        } else {
          const cam = pick(this.rand, [...this.docked]);
          if (!cam) return;
          await this.undockCam(cam);
          counts.usbDetaches++;
          await sleep(500);
          await this.dockCam(cam);
        }
      }).catch((err: Error) => void this.o.events.push(`fault ${f.kind} failed: ${err.message}`));
    }
    await this.faultChain;
  }
}
