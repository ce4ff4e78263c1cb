// The durable API's refusals, each Lambda's error type with a message saying what was wrong.
import {
  InvalidParameterValueException,
  LambdaApiError,
  ResourceNotFoundException,
} from "../_control_plane/errors.ts";

/** 400: a callback whose timeout or heartbeat timeout passed before it was completed. */
export class CallbackTimeoutException extends LambdaApiError {
  /** Creates the error. */
  constructor(message: string) {
    super(400, "CallbackTimeoutException", message);
  }
}

/** 409: an execution name already used with another input. */
export class DurableExecutionAlreadyStartedException extends LambdaApiError {
  /** Creates the error. */
  constructor(message: string) {
    super(409, "DurableExecutionAlreadyStartedException", message);
  }
}

/** A checkpoint token that is not the execution's current one (stale, consumed, or never issued). */
export function invalidToken(): InvalidParameterValueException {
  return new InvalidParameterValueException("Invalid checkpoint token");
}

/** An execution ARN the engine does not know. */
export function executionNotFound(arn: string): ResourceNotFoundException {
  return new ResourceNotFoundException(`Durable execution not found: ${arn}`);
}

/** A callback id the engine never issued. */
export function unknownCallback(): InvalidParameterValueException {
  return new InvalidParameterValueException(
    "Invalid callback id: no callback with this id exists",
  );
}

/** A payload over one of Lambda's durable limits. */
export function tooLarge(
  what: string,
  bytes: number,
  limit: number,
): InvalidParameterValueException {
  return new InvalidParameterValueException(
    `${what} size (${bytes} bytes) exceeds the maximum allowed size (${limit} bytes)`,
  );
}

/** A bad parameter. */
export function invalid(message: string): InvalidParameterValueException {
  return new InvalidParameterValueException(message);
}
