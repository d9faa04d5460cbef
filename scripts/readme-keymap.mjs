// Regenerate the keys table of README.md from source/ui/keymap.ts (run through `npm run docs`).
import fs from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {importSources} from './lib/source-modules.mjs';

const [{keymapMarkdown}] = await importSources('ui/keymap.ts');

const file = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'README.md');
const text = fs.readFileSync(file, 'utf8');
const marker = /(<!-- keymap:start[^>]*-->\n)[\s\S]*?(<!-- keymap:end -->)/;
if (!marker.test(text)) {
	console.error(`${file}: the <!-- keymap:start --> / <!-- keymap:end --> markers are missing`);
	process.exit(1);
}
fs.writeFileSync(file, text.replace(marker, (_, start, end) => `${start}${keymapMarkdown().trim()}\n${end}`));
console.log(`${file}: keys table regenerated`);
