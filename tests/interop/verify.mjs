/*
 * Verify one credential with the Digital Bazaar stack (@digitalbazaar/vc verifyCredential,
 * DataIntegrityProof + eddsa-rdfc-2022 or eddsa-jcs-2022, chosen by each proof's
 * cryptosuite), fully offline.
 *
 * stdin:  {credential, documents?: {url: doc}, now?: ISO date, checkIssuer?: bool (true),
 *          checkStatus?: bool (true)}
 * stdout: {verified, allProofsVerified, errors: [message],
 *          proofs: [{verified, verificationMethod, errors}], issuerChecked,
 *          status: {checked, reason?, entries: [{statusPurpose, statusListIndex,
 *          statusListCredential, set}]}}
 *
 * checkIssuer=false swaps vc's CredentialIssuancePurpose (which requires the verification
 * method's controller to be the issuer) for the plain assertionMethod purpose; only for
 * third-party vectors whose issuer is not the key's controller.
 */
import * as vc from '@digitalbazaar/vc';
import {checkStatus as checkBitstringStatus} from '@digitalbazaar/vc-bitstring-status-list';
import jsigs from 'jsonld-signatures';

import {
  errorMessages, isMain, makeDocumentLoader, readInput, runScript, verifySuite
} from './lib.mjs';

const {purposes: {AssertionProofPurpose}} = jsigs;

function statusEntries(statusResult) {
  return (statusResult?.results || []).filter(r => r.credentialStatus).map(r => ({
    statusPurpose: r.credentialStatus.statusPurpose,
    statusListIndex: r.credentialStatus.statusListIndex,
    statusListCredential: r.credentialStatus.statusListCredential,
    set: r.status === true
  }));
}

export async function verifyCredential({
  credential, documentLoader, now, checkIssuer = true, checkStatus = true
}) {
  if(!credential || typeof credential !== 'object' || Array.isArray(credential)) {
    throw new TypeError('"credential" must be a JSON object');
  }
  const hasStatus = credential.credentialStatus !== undefined;
  const options = {credential, suite: verifySuite(), documentLoader};
  if(now !== undefined) {
    options.now = now;
  }
  if(!checkIssuer) {
    options.purpose = new AssertionProofPurpose();
  }
  // vc refuses a credential with credentialStatus unless a checker is given; a caller that
  // opts out gets a no-op checker and an output that says the status was not checked.
  options.checkStatus = checkStatus ? checkBitstringStatus : async () => ({verified: true});

  const result = await vc.verifyCredential(options);
  const errors = errorMessages(result.error);
  const proofs = (result.results || []).map(r => ({
    verified: r.verified === true,
    verificationMethod: r.proof?.verificationMethod,
    errors: errorMessages(r.error)
  }));
  for(const proof of proofs) {
    for(const message of proof.errors) {
      if(!errors.includes(message)) {
        errors.push(message);
      }
    }
  }

  let verified = result.verified === true;
  const status = {checked: false, entries: []};
  if(!hasStatus) {
    status.reason = 'credential has no credentialStatus';
  } else if(!checkStatus) {
    status.reason = 'status check disabled by the caller';
  } else if(!result.statusResult) {
    status.reason = 'not reached: proof verification failed first';
  } else {
    status.checked = true;
    status.entries = statusEntries(result.statusResult);
    errors.push(...errorMessages(result.statusResult.error));
    // The status library reports a set bit as data (`status: true`) with verified=true;
    // for a relying party a revoked or suspended credential is not acceptable.
    for(const entry of status.entries.filter(e => e.set)) {
      verified = false;
      errors.push(
        `credentialStatus ${entry.statusPurpose}: bit ${entry.statusListIndex} of ` +
        `${entry.statusListCredential} is set`);
    }
  }
  if(!verified && errors.length === 0) {
    errors.push('not verified (the library gave no reason)');
  }
  // jsonld-signatures calls a proof set verified when ANY proof verifies; VC Data Integrity
  // requires all of them. Both verdicts are reported so callers can tell them apart.
  const allProofsVerified = proofs.length > 0 && proofs.every(p => p.verified);
  return {verified, allProofsVerified, errors, proofs, issuerChecked: checkIssuer, status};
}

async function main() {
  const input = await readInput();
  const documentLoader = makeDocumentLoader({documents: input.documents});
  return verifyCredential({
    credential: input.credential,
    documentLoader,
    now: input.now,
    checkIssuer: input.checkIssuer !== false,
    checkStatus: input.checkStatus !== false
  });
}

if(isMain(import.meta.url)) {
  runScript(main);
}
