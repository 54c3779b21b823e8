// Prints the per-place tables of docs/data-inventory.md from shared/data-inventory.ts (paste them under "Every place").
// Usage: npx tsx scripts/data-inventory-tables.ts
import { INVENTORY } from '../shared/data-inventory.js';
const esc = (s: string) => s.replace(/\|/g, '\\|');
for (const root of ['camera-flash', 'camera-trust', 'dock', 'central']) {
  console.log(`\n### ${root}\n`);
  console.log('| place | holds | purpose | who may read | deadline | how deleted | deleted by |');
  console.log('|---|---|---|---|---|---|---|');
  for (const p of INVENTORY.filter((x) => x.root === root)) console.log(`| \`${p.id}\`${p.personal ? ' (personal)' : ''} | ${esc(p.holds)} | ${esc(p.purpose)} | ${esc(p.readers)} | ${esc(p.deadline)} | ${esc(p.deletion)} | ${esc(p.deletedBy)} |`);
}
