export { SimButton } from './button.js';
export { SimOutput } from './output.js';
export { SimGps } from './gps.js';
export { SimFlash } from './flash.js';
export { createSimCamera, ffmpegAvailable, testSourceCommand, type SimCameraOptions } from './camera.js';
export { SyntheticSource } from './synthetic-source.js';
