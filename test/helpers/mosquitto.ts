// Moved to hardware-sim/ (the fleet simulator runs it too).
export * from '../../hardware-sim/mosquitto.js';
