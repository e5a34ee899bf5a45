/*
 * Credentials per second for the Digital Bazaar stack: eddsa-rdfc-2022 sign (vc.issue) and
 * verify (vc.verifyCredential), single process, after a warm-up that also fills the JSON-LD
 * context caches — the same conditions as the Python side of the benchmark.
 *
 * stdin:  {credential, secretKeyMultibase, publicKeyMultibase, controller, seconds,
 *          documents?: {url: doc}}
 *          `seconds` is the measuring time for EACH of sign and verify (warm-up not included).
 * stdout: {sign_per_second, verify_per_second, n_sign, n_verify}
 *
 * Exits non-zero if the credential does not sign or its signature does not verify: a
 * benchmark of a failing verification would measure an early exit, not the work.
 */
import {performance} from 'node:perf_hooks';

import {isMain, makeDocumentLoader, readInput, runScript, signSuite} from './lib.mjs';
import {signCredential} from './sign.mjs';
import {verifyCredential} from './verify.mjs';

const WARM_UP_ROUNDS = 20;

async function timed(seconds, operation) {
  const budget = seconds * 1000;
  const start = performance.now();
  let n = 0;
  let elapsed = 0;
  while(elapsed < budget || n === 0) {
    await operation();
    n += 1;
    elapsed = performance.now() - start;
  }
  return {n, perSecond: n / (elapsed / 1000)};
}

async function main() {
  const input = await readInput();
  const seconds = Number(input.seconds);
  if(!(seconds > 0)) {
    throw new TypeError('"seconds" must be a positive number');
  }
  const suite = await signSuite(input);
  const documentLoader = makeDocumentLoader({documents: input.documents});
  const {credential} = input;
  const sign = () => signCredential({credential, suite, documentLoader});
  const signed = await sign();
  const verify = async () => {
    const result = await verifyCredential({credential: signed, documentLoader});
    if(!result.verified) {
      throw new Error(`benchmark credential does not verify: ${result.errors.join('; ')}`);
    }
  };
  for(let i = 0; i < WARM_UP_ROUNDS; i++) {
    await sign();
    await verify();
  }
  const signing = await timed(seconds, sign);
  const verifying = await timed(seconds, verify);
  return {
    sign_per_second: signing.perSecond,
    verify_per_second: verifying.perSecond,
    n_sign: signing.n,
    n_verify: verifying.n
  };
}

if(isMain(import.meta.url)) {
  runScript(main);
}
