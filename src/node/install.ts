/**
 * Importing this module sets `globalThis.awslambda` at once, before any
 * library that reads it at import (Powertools' `new Metrics()` at module
 * level). Import it first.
 *
 * @module
 */

import { installAwsLambdaGlobal } from "./awslambda.ts";

installAwsLambdaGlobal();
