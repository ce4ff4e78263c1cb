// The control plane's operations: Lambda's API as a table of { method, pattern, handler }. Adding an
// operation is one entry here and one handler beside its resource's others.
import {
  createAlias,
  deleteAlias,
  getAlias,
  listAliases,
  updateAlias,
} from "./aliases.ts";
import { functionUrlRequest } from "./front.ts";
import {
  createFunction,
  deleteFunction,
  getConfiguration,
  getFunction,
  listFunctions,
  updateCode,
  updateConfiguration,
} from "./functions.ts";
import { invoke, invokeStream } from "./invoke.ts";
import {
  deleteLayerVersion,
  getLayerVersion,
  layersQuery,
  listLayerVersions,
  publishLayerVersion,
} from "./layers.ts";
import { addPermission } from "./policy.ts";
import { path, type Route } from "./router.ts";
import {
  createUrlConfig,
  deleteUrlConfig,
  getUrlConfig,
  updateUrlConfig,
} from "./urls.ts";
import { listVersions, publishVersion } from "./versions.ts";
import { durableRoutes } from "../durable/api.ts";
import { engineOf } from "./durable.ts";

const FUNCTIONS = "/2015-03-31/functions";
const FUNCTION = `${FUNCTIONS}/:fn`;
const URL_CONFIG = "/2021-10-31/functions/:fn/url";
const LAYERS = "/2018-10-31/layers";
const LAYER_VERSIONS = `${LAYERS}/:layer/versions`;

/** Lambda's operations the control plane serves, and function URLs. */
export const ROUTES: readonly Route[] = [
  { method: "POST", pattern: path(FUNCTIONS), handler: createFunction },
  { method: "GET", pattern: path(FUNCTIONS), handler: listFunctions },
  { method: "GET", pattern: path(FUNCTION), handler: getFunction },
  { method: "DELETE", pattern: path(FUNCTION), handler: deleteFunction },
  {
    method: "GET",
    pattern: path(`${FUNCTION}/configuration`),
    handler: getConfiguration,
  },
  {
    method: "PUT",
    pattern: path(`${FUNCTION}/configuration`),
    handler: updateConfiguration,
  },
  { method: "PUT", pattern: path(`${FUNCTION}/code`), handler: updateCode },
  {
    method: "POST",
    pattern: path(`${FUNCTION}/versions`),
    handler: publishVersion,
  },
  {
    method: "GET",
    pattern: path(`${FUNCTION}/versions`),
    handler: listVersions,
  },
  {
    method: "POST",
    pattern: path(`${FUNCTION}/aliases`),
    handler: createAlias,
  },
  { method: "GET", pattern: path(`${FUNCTION}/aliases`), handler: listAliases },
  {
    method: "GET",
    pattern: path(`${FUNCTION}/aliases/:alias`),
    handler: getAlias,
  },
  {
    method: "PUT",
    pattern: path(`${FUNCTION}/aliases/:alias`),
    handler: updateAlias,
  },
  {
    method: "DELETE",
    pattern: path(`${FUNCTION}/aliases/:alias`),
    handler: deleteAlias,
  },
  {
    method: "POST",
    pattern: path(`${FUNCTION}/policy`),
    handler: addPermission,
  },
  { method: "POST", pattern: path(URL_CONFIG), handler: createUrlConfig },
  { method: "GET", pattern: path(URL_CONFIG), handler: getUrlConfig },
  { method: "PUT", pattern: path(URL_CONFIG), handler: updateUrlConfig },
  { method: "DELETE", pattern: path(URL_CONFIG), handler: deleteUrlConfig },
  { method: "POST", pattern: path(`${FUNCTION}/invocations`), handler: invoke },
  { method: "GET", pattern: path(LAYERS), handler: layersQuery },
  {
    method: "POST",
    pattern: path(LAYER_VERSIONS),
    handler: publishLayerVersion,
  },
  { method: "GET", pattern: path(LAYER_VERSIONS), handler: listLayerVersions },
  {
    method: "GET",
    pattern: path(`${LAYER_VERSIONS}/:version(\\d+)`),
    handler: getLayerVersion,
  },
  {
    method: "DELETE",
    pattern: path(`${LAYER_VERSIONS}/:version(\\d+)`),
    handler: deleteLayerVersion,
  },
  // The durable API (2025-12-01): executions, checkpoints, history, callbacks.
  ...durableRoutes(engineOf),
  {
    method: "POST",
    pattern: path("/2021-11-15/functions/:fn/response-streaming-invocations"),
    handler: invokeStream,
  },
  {
    method: "*",
    pattern: new URLPattern({ pathname: "/lambda-url/:fn{/*}?" }),
    handler: functionUrlRequest,
  },
];
