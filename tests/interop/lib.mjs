/*
 * Shared plumbing for the interop scripts: JSON over stdin/stdout, the OFFLINE document
 * loader, key import and the Digital Bazaar suites (eddsa-rdfc-2022 and eddsa-jcs-2022).
 *
 * The loader never touches the network. It serves, in this order:
 *   1. documents the caller passed in (`documents`: {url: document}) — DID/controller
 *      documents, status list credentials, extra contexts for test vectors;
 *   2. the JSON-LD contexts listed in <repo>/schemas/manifest.json (same files, same sha256
 *      as the Python library uses, so both sides canonicalize against identical contexts);
 *   3. did:key DIDs and their key fragments, generated locally (Ed25519 only);
 * and throws for anything else, naming the URL.
 */
import {createHash} from 'node:crypto';
import {readFileSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {fileURLToPath, pathToFileURL} from 'node:url';

import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {
  createSignCryptosuite as eddsaJcs2022Sign,
  createVerifyCryptosuite as eddsaJcs2022Verify
} from '@digitalbazaar/eddsa-jcs-2022-cryptosuite';
import {cryptosuite as eddsaRdfc2022} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';

const HERE = dirname(fileURLToPath(import.meta.url));
export const REPO = join(HERE, '..', '..');
const SCHEMAS = join(REPO, 'schemas');

const DID_V1 = 'https://www.w3.org/ns/did/v1';
const MULTIKEY_V1 = 'https://w3id.org/security/multikey/v1';

/** Read all of stdin and parse it as JSON. */
export async function readInput() {
  const chunks = [];
  for await (const chunk of process.stdin) {
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if(!text.trim()) {
    throw new Error('expected a JSON object on stdin, got nothing');
  }
  return JSON.parse(text);
}

export function writeOutput(value) {
  process.stdout.write(JSON.stringify(value) + '\n');
}

/** True when the module at `moduleUrl` is the script node was started with. */
export function isMain(moduleUrl) {
  return Boolean(process.argv[1]) && moduleUrl === pathToFileURL(process.argv[1]).href;
}

/**
 * Run `main` as a script: its result goes to stdout as JSON. Only harness failures (bad input,
 * missing files, a library crash outside verification) exit non-zero; verification failures
 * are data and are reported in the output by the scripts themselves.
 */
export function runScript(main) {
  main().then(writeOutput, error => {
    process.stderr.write(`${error?.stack || error}\n`);
    if(error?.details) {
      // jsonld.js puts the useful part (which term, which URL) here, not in the message.
      try {
        process.stderr.write(`details: ${JSON.stringify(error.details)}\n`);
      } catch{
        // circular details: the stack above has to do
      }
    }
    process.exitCode = 2;
  });
}

/**
 * {url: parsed context} for every context in schemas/manifest.json (aliases included),
 * after checking each file against the sha256 the manifest pins.
 */
export function bundledContexts() {
  const manifestPath = join(SCHEMAS, 'manifest.json');
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
  } catch(error) {
    throw new Error(`cannot read ${manifestPath}: ${error.message}`);
  }
  const contexts = new Map();
  for(const entry of manifest.contexts || []) {
    const bytes = readFileSync(join(SCHEMAS, entry.file));
    const digest = createHash('sha256').update(bytes).digest('hex');
    if(digest !== entry.sha256) {
      throw new Error(
        `bundled context ${entry.file} has sha256 ${digest}, ` +
        `schemas/manifest.json pins ${entry.sha256}`);
    }
    const document = JSON.parse(bytes.toString('utf8'));
    for(const url of [entry.url, ...(entry.aliases || [])]) {
      contexts.set(url, document);
    }
  }
  if(contexts.size === 0) {
    throw new Error(`${manifestPath} lists no contexts`);
  }
  return contexts;
}

/** The did:key DID document for an Ed25519 `did:key:z6Mk…` (Multikey form). */
export async function didKeyDocument(did) {
  const publicKeyMultibase = did.slice('did:key:'.length);
  if(!publicKeyMultibase.startsWith('z6Mk')) {
    throw new Error(
      `did:key ${did} is not an Ed25519 key (z6Mk…); ` +
      'this verifier only resolves Ed25519 did:key');
  }
  const vmId = `${did}#${publicKeyMultibase}`;
  // Decoding here rejects a malformed key at resolution time, with the DID in the message.
  await Ed25519Multikey.from({id: vmId, controller: did, publicKeyMultibase});
  return {
    '@context': [DID_V1, MULTIKEY_V1],
    id: did,
    verificationMethod: [{
      id: vmId,
      type: 'Multikey',
      controller: did,
      publicKeyMultibase
    }],
    authentication: [vmId],
    assertionMethod: [vmId],
    capabilityDelegation: [vmId],
    capabilityInvocation: [vmId]
  };
}

/** Find the verification method `url` (absolute or `#fragment` form) inside `doc`. */
function findVerificationMethod(doc, url) {
  const fragment = url.slice(url.indexOf('#'));
  const candidates = [];
  for(const key of [
    'verificationMethod', 'assertionMethod', 'authentication',
    'capabilityInvocation', 'capabilityDelegation', 'keyAgreement'
  ]) {
    const values = doc[key] === undefined ? [] :
      (Array.isArray(doc[key]) ? doc[key] : [doc[key]]);
    candidates.push(...values.filter(v => v && typeof v === 'object'));
  }
  return candidates.find(vm => vm.id === url || vm.id === fragment);
}

function asResult(url, document) {
  return {contextUrl: null, documentUrl: url, document};
}

/**
 * An offline JSON-LD document loader (see the header comment for what it serves).
 * `documents` is a plain object {url: document}.
 */
export function makeDocumentLoader({documents = {}, contexts = bundledContexts()} = {}) {
  const extra = new Map(Object.entries(documents || {}));
  const didKeyCache = new Map();

  async function loadBase(url) {
    if(extra.has(url)) {
      return extra.get(url);
    }
    if(contexts.has(url)) {
      return contexts.get(url);
    }
    if(url.startsWith('did:key:') && !/[#?/]/.test(url.slice('did:key:'.length))) {
      if(!didKeyCache.has(url)) {
        didKeyCache.set(url, await didKeyDocument(url));
      }
      return didKeyCache.get(url);
    }
    return undefined;
  }

  return async function documentLoader(url) {
    const whole = await loadBase(url);
    if(whole !== undefined) {
      return asResult(url, whole);
    }
    const hash = url.indexOf('#');
    if(hash > 0) {
      const base = await loadBase(url.slice(0, hash));
      if(base !== undefined) {
        const vm = findVerificationMethod(base, url);
        if(vm) {
          // Relative ids ("#key-1") are made absolute so the proof purpose can match them.
          return asResult(url, {...vm, id: url});
        }
        throw new Error(`document ${url.slice(0, hash)} has no verification method ${url}`);
      }
    }
    throw new Error(
      `offline document loader: ${url} is not bundled and was not supplied ` +
      '(no network access by design)');
  };
}

export const CRYPTOSUITES = ['eddsa-rdfc-2022', 'eddsa-jcs-2022'];

/**
 * The DataIntegrityProof suites for verifying: eddsa-rdfc-2022, then eddsa-jcs-2022
 * (jsonld-signatures picks, for each proof, the suite whose cryptosuite the proof names).
 */
export function verifySuite() {
  return [
    new DataIntegrityProof({cryptosuite: eddsaRdfc2022}),
    new DataIntegrityProof({cryptosuite: eddsaJcs2022Verify()})
  ];
}

/**
 * A DataIntegrityProof suite that signs with the given Multikey pair, with `cryptosuite`
 * eddsa-rdfc-2022 (the default) or eddsa-jcs-2022.
 * The verification method id is `controller#publicKeyMultibase` unless given.
 */
export async function signSuite({
  secretKeyMultibase, publicKeyMultibase, controller, verificationMethod, created,
  cryptosuite = 'eddsa-rdfc-2022'
}) {
  if(!CRYPTOSUITES.includes(cryptosuite)) {
    throw new TypeError(`"cryptosuite" must be one of ${CRYPTOSUITES.join(', ')}`);
  }
  for(const [name, value] of Object.entries(
    {secretKeyMultibase, publicKeyMultibase, controller})) {
    if(typeof value !== 'string' || !value) {
      throw new TypeError(`"${name}" must be a non-empty string`);
    }
  }
  const keyPair = await Ed25519Multikey.from({
    '@context': MULTIKEY_V1,
    type: 'Multikey',
    id: verificationMethod || `${controller}#${publicKeyMultibase}`,
    controller,
    publicKeyMultibase,
    secretKeyMultibase
  });
  return new DataIntegrityProof({
    signer: keyPair.signer(),
    date: created,
    cryptosuite: cryptosuite === 'eddsa-jcs-2022' ? eddsaJcs2022Sign() : eddsaRdfc2022
  });
}

/** Flatten an error (and its nested `errors`/`cause`) into readable messages. */
export function errorMessages(error) {
  const out = [];
  const seen = new Set();
  const walk = e => {
    if(!e || seen.has(e)) {
      return;
    }
    seen.add(e);
    if(Array.isArray(e)) {
      e.forEach(walk);
      return;
    }
    if(e.message && !(Array.isArray(e.errors) && e.errors.length &&
      e.message === 'Verification error(s).')) {
      out.push(e.message);
    }
    walk(e.errors);
    walk(e.cause);
    // jsonld.js errors keep the underlying error (e.g. our loader's) under details.cause.
    walk(e.details?.cause);
  };
  walk(error);
  return out;
}
