// The office's words in English and Danish (the deployment is Danish). Chosen from the office_lang
// cookie (the switch in the header), else the browser's Accept-Language, else English.
export type Lang = 'en' | 'da';

const en = {
  product: 'Evidence office',
  signIn: 'Sign in', signOut: 'Sign out', username: 'Username', password: 'Password',
  wrongLogin: 'Wrong username or password.',
  lockoutRule: (n: number) => `After ${n} failed sign-ins in a row an account is locked until an administrator unlocks it.`,
  lockedNow: 'This account is locked after repeated failed sign-ins. An administrator must unlock it.',
  disabledNow: 'This account is disabled.',
  throttled: (s: number) => `Too many failed sign-ins from this address. Try again in ${s} s.`,
  busy: 'The server is busy checking sign-ins. Try again in a moment.',
  signedOut: 'You are signed out.', expired: 'Your session has ended. Sign in again.',
  search: 'Search', camera: 'Camera', from: 'From (UTC)', to: 'To (UTC)', purpose: 'Purpose', onHold: 'On hold',
  any: 'Any', yes: 'Yes', no: 'No', find: 'Search', results: (n: string) => `${n} clips`, noResults: 'No clips match.',
  start: 'Start (UTC)', length: 'Length', hold: 'Hold', open: 'Open', prev: 'Previous', next: 'Next', page: (n: number) => `Page ${n}`,
  clip: 'Clip', metadata: 'Metadata', dock: 'Dock', stop: 'Stop (UTC)', bytes: 'Size', sha256: 'SHA-256 (ciphertext)', epoch: 'Key epoch',
  state: 'State', truncated: 'truncated (no final segment)', closed: 'complete', received: 'Received (UTC)', deleteAfter: 'Deleted after (UTC)',
  heldNoDelete: 'never while on hold', play: 'Play', playNote: 'Decrypted on the server as it streams; each playback is logged as one view.',
  placeHold: 'Place hold', liftHold: 'Lift hold', reason: 'Reason', caseNumber: 'Case number', heldBy: (c: string, by: string, at: string) => `On hold: case ${c}, placed by ${by} at ${at}`,
  notHeld: 'Not on hold.', custody: 'Chain of custody', when: 'When (UTC)', who: 'Who', action: 'Action', outcome: 'Outcome', details: 'Details',
  ingested: 'received and receipted by the store', holdPlaced: 'Hold placed.', holdLifted: 'Hold lifted.',
  noFootage: (role: string) => `Your role (${role}) does not give access to footage.`,
  errorTitle: (n: number) => `Error ${n}`, notFound: 'There is no such page.', internal: 'Something went wrong on the server. The error is logged.',
  usersTitle: 'Users', role: 'Role', locked: 'locked', disabled: 'disabled', active: 'active', lastLogin: 'Last sign-in (UTC)', unlock: 'Unlock',
  unlocked: (u: string) => `${u} is unlocked.`,
  hasMarker: 'Marker present', markers: 'Markers', markerAt: 'At (s from start)', note: 'Note', addMarker: 'Add marker', markerAdded: 'Marker added.',
  noMarkers: 'No markers.', markerCamera: 'guard (camera button)',
  prerecord: 'Pre-record', audioPolicy: 'Sound', audioAll: 'recorded throughout, pre-record included', audioLiveOnly: 'from the press on; none in the pre-record',
  policyHash: 'Policy hash', signature: 'Signature', signed: 'sealed by the camera (verified at ingest)', unsigned: 'unsigned (older format)',
  headerNote: 'From the clip\'s header, as the camera wrote it. Never a location.', headerUnreadable: 'The clip\'s header could not be read.', inStore: 'In the store',
  auditLog: 'Access log', review: 'Authorisation review', receipts: 'Deletion receipts', downloadCsv: 'Download CSV', verifyChain: 'Verify the chain',
  chainOk: (n: number, a: number | null, b: number | null) => `The chain verifies: ${n} entries${a === null ? '' : `, #${a} to #${b}`}, each linked to the one before.`,
  chainBroken: (seq: number | null, why: string) => `The chain is BROKEN${seq === null ? '' : ` at entry #${seq}`}: ${why}`,
  permissions: 'Permissions', lastChange: 'Last change (UTC)', unusedMark: 'unused', reviewNote: (at: string, since: string) => `Generated ${at} UTC. Unused: no sign-in since ${since} UTC (review or disable).`,
  recordsTitle: 'Records and their deadlines', recordsNote: 'Each kind of record the store keeps (docs/data-inventory.md): how many, the oldest, its deletion deadline and how many are past it.',
  recordKind: 'Record', where: 'Where', count: 'Count', oldest: 'Oldest (UTC)', deadline: 'Deadline', overdue: 'Past the deadline',
  unusedList: (u: string) => `Not used for 6 months: ${u}.`, allUsed: 'Every active account was used in the last 6 months.',
  receiptsNote: 'Each deletion, by the retention job or by hand, left a receipt signed by the store: the documentation that it was done.',
  noReceipts: 'No deletions yet.', deletedAt: 'Deleted (UTC)', rule: 'Rule',
  exportCase: 'Export this case…', exportTitle: 'Export', policePackage: 'Police export', dsarPackage: 'Copy for a data subject (access request)', clipIds: 'Clip ids (one per line)',
  journalNumber: 'Police journal number', recipient: 'Recipient', subject: 'Data subject', makePackage: 'Make the package', file: 'File on the server',
  exportNote: 'A police export needs the journal number and recipient; a copy for a data subject needs the subject. The package is an AES-256 encrypted ZIP.',
  packageMade: (n: number) => `Package made with ${n} clip(s).`, passwordOnce: 'The password is shown only now: note it and deliver it separately from the package.',
  noDownloadYet: 'This package cannot be downloaded from the office: it is in the store\'s exports directory.',
  downloadPackage: 'Download the package', downloadOnce: 'One complete download: then the package is removed from the server (or at its deadline if never downloaded).',
  fleet: 'Fleet', docks: 'Docks', cameras: 'Cameras', lastSeen: 'Last seen (UTC)', clipsStored: 'Clips stored', via: 'Via dock', lastOffload: 'Last offload (UTC)',
  backlog: 'Not yet offloaded', lastLog: 'Newest log entry (camera clock)', faults: 'Recent faults', nothingYet: 'Nothing received yet.',
  fleetNote: 'What the store has received: clips, device logs and wipe certificates, and when. A camera\'s backlog is the clips its device log says it recorded that the store has neither stored nor seen wiped.',
  agoS: (n: number) => `${n} s ago`, agoMin: (n: number) => `${n} min ago`, agoH: (n: number) => `${n} h ago`, agoD: (n: number) => `${n} days ago`,
  case: 'Case', categoryAndCases: 'Category and cases', newCategory: 'New purpose', changeCategory: 'Change category', noCases: 'In no case.',
  addToCase: 'Add to case', removeFromCase: 'Remove', categoryChanged: 'Category changed; the retention deadline follows it.', caseAdded: 'Added to the case.', caseRemoved: 'Removed from the case.',
  csrf: 'This request was refused: it did not come from a page of this office.', back: 'Back to search', language: 'Dansk', signedInAs: 'Signed in as',
};
type Strings = typeof en;

const da: Strings = {
  product: 'Beviskontor',
  signIn: 'Log ind', signOut: 'Log ud', username: 'Brugernavn', password: 'Adgangskode',
  wrongLogin: 'Forkert brugernavn eller adgangskode.',
  lockoutRule: (n) => `Efter ${n} mislykkede logins i træk spærres kontoen, indtil en administrator låser den op.`,
  lockedNow: 'Kontoen er spærret efter gentagne mislykkede logins. En administrator skal låse den op.',
  disabledNow: 'Kontoen er deaktiveret.',
  throttled: (s) => `For mange mislykkede logins fra denne adresse. Prøv igen om ${s} s.`,
  busy: 'Serveren er optaget af at kontrollere logins. Prøv igen om et øjeblik.',
  signedOut: 'Du er logget ud.', expired: 'Din session er udløbet. Log ind igen.',
  search: 'Søg', camera: 'Kamera', from: 'Fra (UTC)', to: 'Til (UTC)', purpose: 'Formål', onHold: 'Bevislåst',
  any: 'Alle', yes: 'Ja', no: 'Nej', find: 'Søg', results: (n) => `${n} optagelser`, noResults: 'Ingen optagelser matcher.',
  start: 'Start (UTC)', length: 'Længde', hold: 'Bevislås', open: 'Åbn', prev: 'Forrige', next: 'Næste', page: (n) => `Side ${n}`,
  clip: 'Optagelse', metadata: 'Metadata', dock: 'Dock', stop: 'Slut (UTC)', bytes: 'Størrelse', sha256: 'SHA-256 (krypteret)', epoch: 'Nøgleperiode',
  state: 'Tilstand', truncated: 'afkortet (intet sidste segment)', closed: 'komplet', received: 'Modtaget (UTC)', deleteAfter: 'Slettes efter (UTC)',
  heldNoDelete: 'aldrig mens bevislåst', play: 'Afspil', playNote: 'Dekrypteres på serveren mens den streames; hver afspilning logges som én visning.',
  placeHold: 'Bevislås', liftHold: 'Ophæv bevislås', reason: 'Begrundelse', caseNumber: 'Journalnummer', heldBy: (c, by, at) => `Bevislåst: sag ${c}, af ${by} ${at}`,
  notHeld: 'Ikke bevislåst.', custody: 'Kæde af hændelser', when: 'Tid (UTC)', who: 'Hvem', action: 'Handling', outcome: 'Udfald', details: 'Detaljer',
  ingested: 'modtaget og kvitteret af lageret', holdPlaced: 'Bevislås sat.', holdLifted: 'Bevislås ophævet.',
  noFootage: (role) => `Din rolle (${role}) giver ikke adgang til optagelser.`,
  errorTitle: (n) => `Fejl ${n}`, notFound: 'Siden findes ikke.', internal: 'Der skete en fejl på serveren. Fejlen er logget.',
  usersTitle: 'Brugere', role: 'Rolle', locked: 'spærret', disabled: 'deaktiveret', active: 'aktiv', lastLogin: 'Seneste login (UTC)', unlock: 'Lås op',
  unlocked: (u) => `${u} er låst op.`,
  hasMarker: 'Har markering', markers: 'Markeringer', markerAt: 'Ved (s fra start)', note: 'Note', addMarker: 'Tilføj markering', markerAdded: 'Markering tilføjet.',
  noMarkers: 'Ingen markeringer.', markerCamera: 'vagt (kameraknap)',
  prerecord: 'Forudoptagelse', audioPolicy: 'Lyd', audioAll: 'optaget hele vejen, også i forudoptagelsen', audioLiveOnly: 'fra tryk og frem; ingen i forudoptagelsen',
  policyHash: 'Politik-hash', signature: 'Signatur', signed: 'forseglet af kameraet (kontrolleret ved modtagelse)', unsigned: 'usigneret (ældre format)',
  headerNote: 'Fra optagelsens header, som kameraet skrev den. Aldrig en position.', headerUnreadable: 'Optagelsens header kunne ikke læses.', inStore: 'I lageret',
  auditLog: 'Adgangslog', review: 'Gennemgang af rettigheder', receipts: 'Sletningskvitteringer', downloadCsv: 'Hent CSV', verifyChain: 'Kontrollér kæden',
  chainOk: (n, a, b) => `Kæden holder: ${n} poster${a === null ? '' : `, #${a} til #${b}`}, hver kædet til den forrige.`,
  chainBroken: (seq, why) => `Kæden er BRUDT${seq === null ? '' : ` ved post #${seq}`}: ${why}`,
  permissions: 'Rettigheder', lastChange: 'Seneste ændring (UTC)', unusedMark: 'ubrugt', reviewNote: (at, since) => `Lavet ${at} UTC. Ubrugt: intet login siden ${since} UTC (gennemgå eller deaktivér).`,
  recordsTitle: 'Registreringer og deres frister', recordsNote: 'Hver slags registrering lageret gemmer (docs/data-inventory.md): antal, den ældste, slettefristen og hvor mange der er over den.',
  recordKind: 'Registrering', where: 'Hvor', count: 'Antal', oldest: 'Ældste (UTC)', deadline: 'Frist', overdue: 'Over fristen',
  unusedList: (u) => `Ikke brugt i 6 måneder: ${u}.`, allUsed: 'Alle aktive konti er brugt inden for 6 måneder.',
  receiptsNote: 'Hver sletning, af slettejobbet eller i hånden, efterlod en kvittering signeret af lageret: dokumentationen for, at den skete.',
  noReceipts: 'Ingen sletninger endnu.', deletedAt: 'Slettet (UTC)', rule: 'Regel',
  exportCase: 'Udlevér denne sag…', exportTitle: 'Udlevering', policePackage: 'Udlevering til politiet', dsarPackage: 'Kopi til den registrerede (indsigt)', clipIds: 'Optagelses-id\'er (én pr. linje)',
  journalNumber: 'Politiets journalnummer', recipient: 'Modtager', subject: 'Den registrerede', makePackage: 'Lav pakken', file: 'Fil på serveren',
  exportNote: 'Udlevering til politiet kræver journalnummer og modtager; en kopi til den registrerede kræver den registrerede. Pakken er en AES-256-krypteret ZIP.',
  packageMade: (n) => `Pakken er lavet med ${n} optagelse(r).`, passwordOnce: 'Adgangskoden vises kun nu: notér den og send den adskilt fra pakken.',
  noDownloadYet: 'Pakken kan ikke hentes fra kontoret: den ligger i lagerets udleveringsmappe.',
  downloadPackage: 'Hent pakken', downloadOnce: 'Én hel hentning: derefter fjernes pakken fra serveren (eller ved sin frist, hvis den aldrig hentes).',
  fleet: 'Udstyr', docks: 'Docke', cameras: 'Kameraer', lastSeen: 'Sidst set (UTC)', clipsStored: 'Optagelser gemt', via: 'Via dock', lastOffload: 'Seneste aflæsning (UTC)',
  backlog: 'Endnu ikke aflæst', lastLog: 'Nyeste logpost (kameraets ur)', faults: 'Seneste fejl', nothingYet: 'Intet modtaget endnu.',
  fleetNote: 'Hvad lageret har modtaget: optagelser, enhedslogge og slettecertifikater, og hvornår. Et kameras efterslæb er de optagelser, dets enhedslog siger det har optaget, som lageret hverken har gemt eller set slettet.',
  agoS: (n) => `${n} s siden`, agoMin: (n) => `${n} min siden`, agoH: (n) => `${n} t siden`, agoD: (n) => `${n} dage siden`,
  case: 'Sag', categoryAndCases: 'Kategori og sager', newCategory: 'Nyt formål', changeCategory: 'Skift kategori', noCases: 'I ingen sag.',
  addToCase: 'Føj til sag', removeFromCase: 'Fjern', categoryChanged: 'Kategorien er ændret; slettefristen følger den.', caseAdded: 'Føjet til sagen.', caseRemoved: 'Fjernet fra sagen.',
  csrf: 'Forespørgslen blev afvist: den kom ikke fra en side i dette kontor.', back: 'Tilbage til søgning', language: 'English', signedInAs: 'Logget ind som',
};

export const STRINGS: Record<Lang, Strings> = { en, da };
export type { Strings };

/** The cookie's choice, else the first of en/da in Accept-Language (by q), else English. */
export function pickLang(cookie: string | undefined, acceptLanguage: string | undefined): Lang {
  if (cookie === 'en' || cookie === 'da') return cookie;
  const prefs = (acceptLanguage ?? '').slice(0, 500).split(',').map((part, i) => {
    const [tag, ...params] = part.trim().toLowerCase().split(';');
    const q = Number(params.map((p) => p.trim()).find((p) => p.startsWith('q='))?.slice(2) ?? '1');
    return { lang: tag.split('-')[0], q: Number.isFinite(q) ? q : 0, i };
  }).filter((p) => p.lang === 'en' || p.lang === 'da');
  prefs.sort((a, b) => b.q - a.q || a.i - b.i);
  const top = prefs[0]?.lang;
  return top === 'da' ? 'da' : 'en';
}
