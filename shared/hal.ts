// Hardware abstraction: every hardware dependency of the camera and the dock sits behind one of these
// small interfaces. Real drivers: the camera's in firmware/drivers/, the dock's USB hotplug in
// dock-agent/usb-watch.ts, the serial line of both in shared/serial-port.ts. Simulator twins live in
// hardware-sim/ and are injected by it (the camera's board: hardware-sim/board.ts); the camera's twins
// and drivers run the same contract tests (test/contract/).
import type { Duplex } from 'node:stream';

export type Unsubscribe = () => void;

/** Debounced momentary push button (record button, GPIO input). Times are Clock ms. */
export interface ButtonInput {
  /** Called once per debounced edge: 'down' when pressed, 'up' when released. */
  onEdge(listener: (edge: 'down' | 'up', atMs: number) => void): Unsubscribe;
  isDown(): boolean;
  close(): Promise<void>;
}

/** A single digital output: recording LED, haptic motor / buzzer, GPS power-enable. */
export interface DigitalOutput {
  set(on: boolean): Promise<void>;
  get(): boolean;
  close(): Promise<void>;
}

/**
 * GPS module: a power-enable line and its NMEA serial port. On purpose the interface carries no
 * positions: the firmware only learns that a sentence of some type arrived (to prove the module is
 * silent), never its content.
 */
export interface GpsModule {
  setPower(on: boolean): Promise<void>;
  isPowered(): boolean;
  /** Called with the sentence type only (e.g. 'GPGGA'), never coordinates. */
  onSentence(listener: (sentenceType: string, atMs: number) => void): Unsubscribe;
  close(): Promise<void>;
}

/** One GOP-aligned piece of the capture stream (MPEG-TS packets, 188-byte aligned). */
export interface VideoSegment {
  /** Monotonic sequence number from the source, starting at 0. */
  seq: number;
  /** Capture time of the first frame, Clock ms (wall clock on a real camera). */
  startMs: number;
  durationMs: number;
  /** True when the segment starts with a keyframe, so decoding can begin here. */
  keyframe: boolean;
  /** Whole MPEG-TS packets. */
  data: Buffer;
  /** PIDs of audio elementary streams inside `data` (for stripping audio by policy). */
  audioPids: number[];
  /**
   * Set by a source that reuses its buffers (firmware/segment-buffers.ts): `data` is valid only during
   * the listener's call unless the listener calls retain(), and then until it calls the function
   * retain() returned. Absent: `data` is the listener's to keep.
   */
  retain?(): () => void;
}

/** Camera sensor + encoder pipeline. */
export interface VideoSource {
  start(): Promise<void>;
  onSegment(listener: (segment: VideoSegment) => void): Unsubscribe;
  onError(listener: (err: Error) => void): Unsubscribe;
  stop(): Promise<void>;
}

/** The camera's flash: a directory on the data partition plus space accounting. */
export interface FlashStorage {
  readonly dir: string;
  freeBytes(): Promise<number>;
  totalBytes(): Promise<number>;
  /** Ask the device to discard freed blocks (FITRIM / BLKDISCARD); false where unsupported. */
  discard(): Promise<boolean>;
}

/** An open serial line (CDC-ACM tty on the dock, gadget tty on the camera, or a pty in tests). */
export interface SerialLine extends Duplex {
  readonly path: string;
  closeLine(): Promise<void>;
}

export interface SerialOpener {
  open(path: string, baudRate: number): Promise<SerialLine>;
}

/** A docked camera as the dock sees it. */
export interface DockedDevice {
  /** Bay number on the dock (0-based), when known. */
  bay: number;
  /** USB serial number string (the camera's device id as reported by its gadget). */
  serialNumber: string;
  /** Path of the tty the camera's CDC-ACM interface appeared as. */
  ttyPath: string;
}

/** USB attach/detach of cameras on the dock's bays, filtered by vendor/product id. */
export interface UsbHotplug {
  onAttach(listener: (device: DockedDevice) => void): Unsubscribe;
  onDetach(listener: (device: DockedDevice) => void): Unsubscribe;
  /** Devices already present (reported once at start). */
  start(): Promise<DockedDevice[]>;
  stop(): Promise<void>;
}
