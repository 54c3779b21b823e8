export { openCameraSession, UntrustedDeviceError, type SessionOptions, type SerialCameraSession, type UntrustedDevice } from './session.js';
export { openSerialLine, serialportOpener } from './opener.js';
