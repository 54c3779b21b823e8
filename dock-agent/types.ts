// The contract between the dock's serial session (dock-agent/serial/) and the offload orchestration.
import type { ClipSummary, DeviceLogEntry, SignedDocument } from '../shared/evidence.js';

/** An authenticated session with one docked camera. */
export interface CameraSession {
  /** Device id taken from the camera's verified certificate (never from what it merely claims). */
  readonly deviceId: string;
  /** The camera's certificate from the handshake (DER base64): forwarded to central with everything from this camera. */
  readonly cameraCert: string;
  listClips(): Promise<ClipSummary[]>;
  /**
   * Pull a clip's ciphertext into destPath, resuming from the bytes already in destPath when they
   * verify; the whole file's SHA-256 is checked against clip.sha256 before it resolves.
   */
  pullClip(clip: ClipSummary, destPath: string, onProgress?: (bytesDone: number) => void): Promise<void>;
  /** The clip's first `length` bytes (one READ): the dock checks its sealed header before ordering the pulls. */
  readPrefix?(clip: ClipSummary, length: number): Promise<Buffer>;
  /** Ask the camera to wipe a clip against the central store's receipt; resolves with its wipe certificate. */
  wipe(clipId: string, receipt: SignedDocument): Promise<SignedDocument>;
  /** Device log entries with seq > sinceSeq. */
  fetchLog(sinceSeq: number, receipt?: SignedDocument | null): Promise<DeviceLogEntry[]>;
  /**
   * The same, with the camera's signed head over the last entry (null when there is no entry). `receipt`:
   * central's signed device-log receipt, handed to the camera so it deletes what central holds;
   * `prunedThrough`: the seq the camera's log now starts after (absent from an older camera).
   */
  fetchSignedLog(sinceSeq: number, receipt?: SignedDocument | null): Promise<{ entries: DeviceLogEntry[]; head: SignedDocument | null; prunedThrough?: number }>;
  /** `force` (a technician only): set a clock far from the camera's own, with the reason logged. */
  setClock(epochMs: number, force?: { reason: string }): Promise<void>;
  /** Hand the camera upcoming evidence-key epochs (SignedDocument of EvidenceEpochBody). */
  installEpochs(epochs: SignedDocument[]): Promise<void>;
  /** The wipe certificates the camera still keeps (WIPE_CERTS; [] from a camera without it). */
  keptWipeCertificates?(): Promise<SignedDocument[]>;
  /** Hand the camera the newest CA-signed revocation list (it keeps it only if newer than its own). */
  installRevocationList?(list: SignedDocument): Promise<{ installed: boolean; number: number }>;
  close(): Promise<void>;
}
