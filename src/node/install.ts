/**
 * What Lambda's Node runtime sets before a function's modules load, set as
 * this module loads: `globalThis.awslambda` and `AWS_EXECUTION_ENV`. Import
 * it first when a library reads them at import (Powertools' `new Logger()`,
 * `new Metrics()` or `new Tracer()` at module level, or
 * `awslambda.streamifyResponse` around the handler). Importing `@rtl/lambda`
 * installs nothing; `run()` installs both when it starts.
 *
 * @example
 * ```ts ignore
 * import "@rtl/lambda/awslambda";
 * import { run } from "@rtl/lambda";
 * import { Logger } from "npm:@aws-lambda-powertools/logger";
 *
 * const logger = new Logger({ serviceName: "orders" });
 * run(() => logger.info("hello"));
 * ```
 *
 * @module
 */

import { readConfiguration } from "../core/environment.ts";
import { installAwsLambdaGlobal } from "./awslambda.ts";
import { installExecutionEnv } from "./execution_env.ts";

// Before run(): the configuration is read here, by the one reader, since this entry runs first.
const { environment } = readConfiguration();
installAwsLambdaGlobal({ environment });
installExecutionEnv({ environment });
