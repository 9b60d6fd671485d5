export * from "./site-store.js";
export { SiteStoreError, type SiteStoreErrorCode } from "./site-store-error.js";
export { openSiteStore, siteStoreTarget, DEFAULT_PASSWORD_LIMITS, type OpenSiteStoreOptions } from "./open-site-store.js";
export { SITE_MIGRATION_NAMES } from "./migrations.js";
