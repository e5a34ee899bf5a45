/*
 * Credentials per second for the JavaScript side of the benchmark, single process, after a
 * warm-up that also fills the JSON-LD context caches — the same conditions as the Python side:
 *
 *   - eddsa-rdfc-2022 sign (@digitalbazaar/vc issue) and verify (@digitalbazaar/vc
 *     verifyCredential: the credential's basic shape and validity dates, the proof, and the
 *     binding of the verification method's controller to the credential's issuer);
 *   - VC-JWT sign and verify with `jose` (EdDSA over Ed25519), the Open Badges 3.0 §8.2 form
 *     the Python side produces: the credential itself plus the claims iss, jti, nbf, sub (exp
 *     when validUntil is set, iat from `now`), header {alg: EdDSA, typ: JWT, kid}.
 *
 * stdin:  {credential, secretKeyMultibase, publicKeyMultibase, controller, seconds, now?,
 *          documents?: {url: doc}}
 *          `seconds` is the measuring time for EACH operation (warm-up not included); `now`
 *          (ISO date, default the current time) is the verification time and the JWT's iat.
 * stdout: {sign_per_second, verify_per_second, n_sign, n_verify,
 *          jwt_sign_per_second, jwt_verify_per_second, n_jwt_sign, n_jwt_verify}
 *
 * Exits non-zero if the credential does not sign or its signature does not verify: a
 * benchmark of a failing verification would measure an early exit, not the work.
 */
import {performance} from 'node:perf_hooks';

import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import * as jose from 'jose';

import {isMain, makeDocumentLoader, readInput, runScript, signSuite} from './lib.mjs';
import {signCredential} from './sign.mjs';
import {verifyCredential} from './verify.mjs';

const WARM_UP_ROUNDS = 20;
const JWT_LEEWAY_SECONDS = 60;
const CLAIMS = ['iss', 'jti', 'nbf', 'sub', 'exp', 'iat'];

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

function issuerId(credential) {
  const issuer = credential.issuer;
  const id = issuer && typeof issuer === 'object' ? issuer.id : issuer;
  return typeof id === 'string' && id ? id : undefined;
}

function subjectId(credential) {
  let subject = credential.credentialSubject;
  if(Array.isArray(subject) && subject.length === 1) {
    subject = subject[0];
  }
  return subject && typeof subject.id === 'string' ? subject.id : undefined;
}

function numericDate(value, name) {
  const ms = Date.parse(value);
  if(Number.isNaN(ms)) {
    throw new Error(`${name} ${JSON.stringify(value)} is not a date-time`);
  }
  return Math.floor(ms / 1000);
}

/** The OB 3.0 VC-JWT claims for `credential` (what credentials.jwt.sign_jwt derives). */
function jwtClaims(credential, now) {
  const claims = {iss: issuerId(credential)};
  if(typeof credential.id === 'string') {
    claims.jti = credential.id;
  }
  const validFrom = credential.validFrom ?? credential.issuanceDate;
  if(validFrom !== undefined) {
    claims.nbf = numericDate(validFrom, 'validFrom');
  }
  const sub = subjectId(credential);
  if(sub !== undefined) {
    claims.sub = sub;
  }
  const validUntil = credential.validUntil ?? credential.expirationDate;
  if(validUntil !== undefined) {
    claims.exp = numericDate(validUntil, 'validUntil');
  }
  claims.iat = Math.floor(now.getTime() / 1000);
  return claims;
}

/** An EdDSA signer and a did:key-resolving verifier for VC-JWT, with `jose`. */
export async function jwtFunctions({secretKeyMultibase, publicKeyMultibase, controller, now}) {
  const keyPair = await Ed25519Multikey.from({
    id: `${controller}#${publicKeyMultibase}`, controller, publicKeyMultibase, secretKeyMultibase
  });
  const privateJwk = await Ed25519Multikey.toJwk({keyPair, secretKey: true});
  const privateKey = await jose.importJWK({...privateJwk, alg: 'EdDSA'}, 'EdDSA');
  const kid = `${controller}#${publicKeyMultibase}`;

  // did:key → public key, cached per DID like the Python Resolver caches what it resolved.
  const keys = new Map();
  async function resolveKid(header, issuer) {
    if(typeof header.kid !== 'string') {
      throw new Error('JWT header has no kid');
    }
    const did = header.kid.split('#')[0];
    if(did !== issuer) {
      throw new Error(`kid ${header.kid} is not a key of the issuer ${issuer}`);
    }
    if(!did.startsWith('did:key:z6Mk')) {
      throw new Error(`kid ${header.kid} is not an Ed25519 did:key`);
    }
    if(!keys.has(did)) {
      const multibase = did.slice('did:key:'.length);
      const publicPair = await Ed25519Multikey.from({
        id: `${did}#${multibase}`, controller: did, publicKeyMultibase: multibase
      });
      const jwk = await Ed25519Multikey.toJwk({keyPair: publicPair});
      keys.set(did, await jose.importJWK({...jwk, alg: 'EdDSA'}, 'EdDSA'));
    }
    return keys.get(did);
  }

  async function signJwt(credential) {
    const payload = {...structuredClone(credential), ...jwtClaims(credential, now)};
    return new jose.SignJWT(payload)
      .setProtectedHeader({alg: 'EdDSA', typ: 'JWT', kid})
      .sign(privateKey);
  }

  async function verifyJwt(token) {
    const header = jose.decodeProtectedHeader(token);
    const claims = jose.decodeJwt(token);
    const issuer = issuerId(claims);
    if(issuer === undefined) {
      throw new Error('JWT credential has no issuer id');
    }
    const key = await resolveKid(header, issuer);
    // Signature, alg allow-list, typ, iss and the nbf/exp/iat times.
    const {payload} = await jose.jwtVerify(token, key, {
      algorithms: ['EdDSA'], typ: 'JWT', issuer, currentDate: now,
      clockTolerance: JWT_LEEWAY_SECONDS
    });
    const credential = structuredClone(payload);
    for(const name of CLAIMS) {
      delete credential[name];
    }
    const types = [].concat(credential.type);
    if(!types.includes('VerifiableCredential')) {
      throw new Error('JWT payload is not a verifiable credential');
    }
    if(payload.jti !== undefined && payload.jti !== credential.id) {
      throw new Error('jti does not equal the credential id');
    }
    if(payload.sub !== undefined && payload.sub !== subjectId(credential)) {
      throw new Error('sub does not equal credentialSubject.id');
    }
    return credential;
  }

  return {signJwt, verifyJwt};
}

async function main() {
  const input = await readInput();
  const seconds = Number(input.seconds);
  if(!(seconds > 0)) {
    throw new TypeError('"seconds" must be a positive number');
  }
  const now = input.now === undefined ? new Date() : new Date(input.now);
  if(Number.isNaN(now.getTime())) {
    throw new TypeError('"now" must be an ISO date-time');
  }
  const suite = await signSuite(input);
  const documentLoader = makeDocumentLoader({documents: input.documents});
  const {credential} = input;
  const sign = () => signCredential({credential, suite, documentLoader});
  const signed = await sign();
  const verify = async () => {
    const result = await verifyCredential({credential: signed, documentLoader, now});
    if(!result.verified) {
      throw new Error(`benchmark credential does not verify: ${result.errors.join('; ')}`);
    }
  };
  const {signJwt, verifyJwt} = await jwtFunctions({...input, now});
  const jwtSign = () => signJwt(credential);
  const token = await jwtSign();
  const jwtVerify = () => verifyJwt(token);

  for(let i = 0; i < WARM_UP_ROUNDS; i++) {
    await sign();
    await verify();
    await jwtSign();
    await jwtVerify();
  }
  const signing = await timed(seconds, sign);
  const verifying = await timed(seconds, verify);
  const jwtSigning = await timed(seconds, jwtSign);
  const jwtVerifying = await timed(seconds, jwtVerify);
  return {
    sign_per_second: signing.perSecond,
    verify_per_second: verifying.perSecond,
    n_sign: signing.n,
    n_verify: verifying.n,
    jwt_sign_per_second: jwtSigning.perSecond,
    jwt_verify_per_second: jwtVerifying.perSecond,
    n_jwt_sign: jwtSigning.n,
    n_jwt_verify: jwtVerifying.n
  };
}

if(isMain(import.meta.url)) {
  runScript(main);
}
