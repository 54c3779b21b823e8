// The serial driver lives in shared/ (the camera uses it too).
export * from '../../shared/serial-port.js';
