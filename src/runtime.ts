/**
 * The seams a custom runtime and the project's own tools build on.
 *
 * @module
 */

export { ENVIRONMENT_VARIABLES } from "./core/environment.ts";
export { permissionHint } from "./node/permission_hint.ts";
