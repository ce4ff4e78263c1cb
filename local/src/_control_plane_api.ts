// The Lambda API's wire details the control plane shares (kept here for the modules that import them by this path).
export {
  errorResponse,
  invalidParameter,
  LambdaApiError,
  notFound,
  updateInProgress,
} from "./_control_plane/errors.ts";
export {
  decodeBase64,
  jsonResponse,
  parseFunctionName,
  readJson,
  sha256Base64,
  timestamp,
} from "./_control_plane/wire.ts";
