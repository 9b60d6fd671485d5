/**
 * The site service's HTTP API (issue 13 item 6): fastify routes with TypeBox schemas,
 * sessions and roles, operators with their own command keys, and the OpenAPI document.
 *
 * @module facegate/site/api
 */
export { createSiteApi, listenSiteApi, API_TITLE, type SiteApiOptions, type RouteDef } from "./site-api.js";
export { ApiError, type ApiErrorCode, toErrorResponse } from "./api-error.js";
export { SESSION_COOKIE, DEFAULT_LOGIN_LIMITS, type LoginLimits, mayDo } from "./api-auth.js";
export { createOperator, queueOperatorKey, operatorKeyId, operatorSigningKey, operatorByName } from "./operator-accounts.js";
export { openApiDocument } from "./openapi.js";
