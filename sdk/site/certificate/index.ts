/**
 * Site deletion certificates (issue 13): one signed proof, verifiable offline with the site
 * public key, that a subject's face data was deleted at every gate of a site, bundling
 * each gate's signed receipt. The document format is sdk/protocol/site-certificate.ts.
 *
 * @module facegate/site/certificate
 */
export * from "./certificate-problem.js";
export * from "./issue-certificate.js";
export * from "./site-key.js";
export * from "./verify-certificate.js";
