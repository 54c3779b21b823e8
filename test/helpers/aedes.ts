// Moved to hardware-sim/ (the demo and fleet runs use it too).
export * from '../../hardware-sim/aedes.js';
