// Which real parts the demo can use on this machine, and the stand-ins it takes for the missing ones:
// synthetic TS pictures for ffmpeg, serial lines over Unix sockets relayed in process for socat ptys,
// the embedded aedes broker for mosquitto. The demo says so on its first line.
import { spawnSync } from 'node:child_process';
import type { Scenario } from './fleet/scenario.js';

export interface RealParts { ffmpeg: boolean; socat: boolean; mosquitto: boolean }

/** A command is there when it can be started at all (its exit code does not matter). */
const runs = (cmd: string, arg: string) => spawnSync(cmd, [arg], { stdio: 'ignore', timeout: 10_000 }).error === undefined;

export function findRealParts(): RealParts {
  return { ffmpeg: runs('ffmpeg', '-version'), socat: runs('socat', '-V'), mosquitto: runs('mosquitto', '-h') };
}

/** The scenario with each missing part replaced (ffmpeg pictures run in real time; synthetic ones keep the speed). */
export function fitToParts(sc: Scenario, parts: RealParts): Scenario {
  return {
    ...sc,
    source: parts.ffmpeg ? sc.source : 'synthetic',
    line: parts.socat ? sc.line : 'socket',
    broker: parts.mosquitto ? sc.broker : 'aedes',
  };
}

/** One line: what stood in for each missing part (and why), and the real parts used. */
export function describeParts(parts: RealParts, sc: Scenario): string {
  const real: string[] = [];
  const standIns: string[] = [];
  const pick = (used: boolean, installed: boolean, tool: string, realName: string, standIn: string) => {
    if (used) real.push(realName);
    else if (!installed) standIns.push(`${standIn} for ${tool}`);
    else real.push(`${standIn} (the scenario asks for it)`);
  };
  pick(sc.source === 'ffmpeg', parts.ffmpeg, 'ffmpeg', 'ffmpeg test pictures', 'synthetic TS pictures');
  pick(sc.line === 'pty', parts.socat, 'socat ptys', 'socat pty pairs', 'serial lines over Unix sockets relayed in process');
  pick(sc.broker === 'mosquitto', parts.mosquitto, 'mosquitto', 'mosquitto broker', 'the embedded aedes broker');
  const missing = (['ffmpeg', 'socat', 'mosquitto'] as const).filter((p) => !parts[p]);
  const said = [
    ...(standIns.length ? [`not installed: ${missing.join(', ')}, so ${standIns.join(', ')}`] : []),
    ...(real.length ? [`real parts: ${real.join(', ')}`] : []),
  ];
  return `demo: ${said.join('; ')}`;
}
