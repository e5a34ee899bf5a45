/*
 * Sign one credential with the Digital Bazaar stack (@digitalbazaar/vc issue,
 * DataIntegrityProof with eddsa-rdfc-2022 or eddsa-jcs-2022, proofPurpose assertionMethod),
 * fully offline.
 *
 * stdin:  {credential, secretKeyMultibase, publicKeyMultibase, controller,
 *          created?: ISO date, verificationMethod?: id (default controller#publicKeyMultibase),
 *          cryptosuite?: "eddsa-rdfc-2022" (default) | "eddsa-jcs-2022",
 *          documents?: {url: doc}}
 * stdout: the signed credential
 *
 * Keys are Multikey multibase strings: public `z6Mk…` (0xed01 + 32 bytes), secret `z3u2…`
 * (0x8026 + the 32-byte seed), base58btc.
 */
import * as vc from '@digitalbazaar/vc';

import {isMain, makeDocumentLoader, readInput, runScript, signSuite} from './lib.mjs';

export async function signCredential({credential, suite, documentLoader}) {
  if(!credential || typeof credential !== 'object' || Array.isArray(credential)) {
    throw new TypeError('"credential" must be a JSON object');
  }
  // vc.issue may add fields to its argument (issuanceDate for VCDM 1.1); keep the input intact.
  return vc.issue({credential: structuredClone(credential), suite, documentLoader});
}

async function main() {
  const input = await readInput();
  const suite = await signSuite(input);
  const documentLoader = makeDocumentLoader({documents: input.documents});
  return signCredential({credential: input.credential, suite, documentLoader});
}

if(isMain(import.meta.url)) {
  runScript(main);
}
