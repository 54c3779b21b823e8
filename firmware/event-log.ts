// What the recorder, the GPS guard, the camera app and the vault need of the device log
// (firmware/device-log.ts): append an event. Injected, so each runs with a fake in tests.
export interface EventLog {
  append(type: string, data: Record<string, unknown>): unknown;
  /** Where central's receipts have pruned the log to (DeviceLog); the vault drops wipe certificates it covers. */
  anchor?(): { seq: number };
}
