// Keys at rest (shared/pki/key-file.ts): our encrypted PKCS#8 is the standard PBES2-scrypt form, so the
// openssl CLI opens what we write and we open what `openssl pkcs8 -topk8 -scrypt` writes; a wrong
// passphrase and a key in clear are named errors; passphrases come from a file or the environment only.
import test from 'ava';
import { execFileSync } from 'node:child_process';
import { createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encryptPrivateKey, KEY_SCRYPT, passphraseFrom, readEncryptedKey } from '../../shared/pki/key-file.js';

const PASS = 'a passphrase of some length';
const spki = (k: KeyObject) => (k.type === 'public' ? k : createPublicKey(k)).export({ type: 'spki', format: 'der' });
const dir = mkdtempSync(join(tmpdir(), 'keyfile-'));
test.after.always(() => rmSync(dir, { recursive: true, force: true }));

for (const type of ['ed25519', 'rsa'] as const) {
  test(`${type}: openssl reads what we write (scrypt N=${KEY_SCRYPT.N} r=${KEY_SCRYPT.r} p=${KEY_SCRYPT.p}); we read what openssl writes`, (t) => {
    const { privateKey } = type === 'rsa' ? generateKeyPairSync('rsa', { modulusLength: 2048 }) : generateKeyPairSync('ed25519');
    const ours = join(dir, `${type}.ours.pem`);
    writeFileSync(ours, encryptPrivateKey(privateKey, PASS));
    const params = execFileSync('openssl', ['asn1parse', '-in', ours], { encoding: 'utf8' });
    t.regex(params, /OBJECT\s+:PBES2[\s\S]*OBJECT\s+:scrypt[\s\S]*INTEGER\s+:4000\n[\s\S]*INTEGER\s+:08\n[\s\S]*INTEGER\s+:08\n[\s\S]*OBJECT\s+:aes-256-cbc/);
    const clear = execFileSync('openssl', ['pkcs8', '-in', ours, '-passin', 'env:KEYPASS'], { encoding: 'utf8', env: { ...process.env, KEYPASS: PASS } });
    t.true(spki(createPublicKey(clear)).equals(spki(privateKey)));
    t.true(spki(readEncryptedKey(ours, PASS)).equals(spki(privateKey)));

    const theirs = join(dir, `${type}.openssl.pem`);
    writeFileSync(join(dir, `${type}.clear.pem`), privateKey.export({ type: 'pkcs8', format: 'pem' }));
    execFileSync('openssl', ['pkcs8', '-topk8', '-scrypt', '-scrypt_N', '16384', '-scrypt_r', '8', '-scrypt_p', '8', '-in', join(dir, `${type}.clear.pem`), '-out', theirs, '-passout', 'env:KEYPASS'], { env: { ...process.env, KEYPASS: PASS } });
    rmSync(join(dir, `${type}.clear.pem`));
    t.true(spki(readEncryptedKey(theirs, PASS)).equals(spki(privateKey)));
    t.throws(() => readEncryptedKey(ours, `${PASS}!`), { message: /\.ours\.pem: wrong passphrase, or the file is damaged/ });
  });
}

test('a key in clear, or no key at all, is refused naming the file; a short new passphrase is refused', (t) => {
  const { privateKey } = generateKeyPairSync('ed25519');
  const clear = join(dir, 'clear.pem');
  writeFileSync(clear, privateKey.export({ type: 'pkcs8', format: 'pem' }));
  t.throws(() => readEncryptedKey(clear, PASS), { message: /clear\.pem: not an encrypted private key \(it is stored in clear/ });
  writeFileSync(join(dir, 'junk.pem'), 'hello\n');
  t.throws(() => readEncryptedKey(join(dir, 'junk.pem'), PASS), { message: /junk\.pem: not an encrypted private key$/ });
  t.throws(() => encryptPrivateKey(privateKey, 'too short'), { message: /passphrase: at least 12 characters/ });
});

test('passphrase: first line of --passphrase-file, else the environment variable; none or empty is an error naming both', (t) => {
  const f = join(dir, 'pass');
  writeFileSync(f, `${PASS}\r\nsecond line\n`);
  t.is(passphraseFrom({ file: f, envName: 'X_PASS', env: { X_PASS: 'from env, ignored' }, what: 'test key' }), PASS);
  t.is(passphraseFrom({ envName: 'X_PASS', env: { X_PASS: 'from the environment' }, what: 'test key' }), 'from the environment');
  t.throws(() => passphraseFrom({ envName: 'X_PASS', env: {}, what: 'test key' }), { message: 'test key passphrase: none given (--passphrase-file FILE or X_PASS)' });
  writeFileSync(f, '\n');
  t.throws(() => passphraseFrom({ file: f, envName: 'X_PASS', env: {}, what: 'test key' }), { message: /--passphrase-file .*pass: empty/ });
  t.throws(() => passphraseFrom({ file: join(dir, 'missing'), envName: 'X_PASS', env: {}, what: 'test key' }), { message: /--passphrase-file .*missing: ENOENT/ });
});
