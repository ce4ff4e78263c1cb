// Lambda's API errors: one class per exception, each with its stable name, status and Lambda's JSON shape.

/** An error the Lambda API answers with its type in `X-Amzn-ErrorType`; `name` is that type. */
export class LambdaApiError extends Error {
  /** The HTTP status. */
  readonly status: number;
  /** The API's error type, e.g. `ResourceNotFoundException` (the same as `name`). */
  readonly type: string;
  /** Creates the error. */
  constructor(status: number, type: string, message: string) {
    super(message);
    this.name = type;
    this.status = status;
    this.type = type;
  }
}

/** 400: a parameter Lambda refuses on its meaning (reserved variables, limits, the code). */
export class InvalidParameterValueException extends LambdaApiError {
  /** Creates the error. */
  constructor(message: string) {
    super(400, "InvalidParameterValueException", message);
  }
}

/** 400: a parameter outside the API model's constraints (enums, ranges, patterns). */
export class ValidationException extends LambdaApiError {
  /** Creates the error. */
  constructor(message: string) {
    super(400, "ValidationException", message);
  }
}

/** 400: a body that is not JSON, or not of the model's types. */
export class InvalidRequestContentException extends LambdaApiError {
  /** Creates the error. */
  constructor(message: string) {
    super(400, "InvalidRequestContentException", message);
  }
}

/** 404: a function, version, alias or URL config that does not exist. */
export class ResourceNotFoundException extends LambdaApiError {
  /** Creates the error. */
  constructor(message: string) {
    super(404, "ResourceNotFoundException", message);
  }
}

/** 409: the resource exists already, or its state refuses the operation now. */
export class ResourceConflictException extends LambdaApiError {
  /** Creates the error. */
  constructor(message: string) {
    super(409, "ResourceConflictException", message);
  }
}

/** 412: a `RevisionId` that is not the resource's latest. */
export class PreconditionFailedException extends LambdaApiError {
  /** Creates the error. */
  constructor(message: string) {
    super(412, "PreconditionFailedException", message);
  }
}

/** 413: a request body over Lambda's limit. */
export class RequestTooLargeException extends LambdaApiError {
  /** Creates the error. */
  constructor(message: string) {
    super(413, "RequestEntityTooLargeException", message);
  }
}

/** 500: the service failed (locally: a version's process could not start). */
export class ServiceException extends LambdaApiError {
  /** Creates the error. */
  constructor(message: string) {
    super(500, "ServiceException", message);
  }
}

/** The response an API error becomes, as Lambda shapes it. */
export function errorResponse(error: LambdaApiError): Response {
  return Response.json({ Type: "User", message: error.message }, {
    status: error.status,
    headers: {
      "x-amzn-errortype": error.type,
      "x-amzn-requestid": crypto.randomUUID(),
    },
  });
}

/** The 404 Lambda gives for a function it does not have. */
export function notFound(what: string): ResourceNotFoundException {
  return new ResourceNotFoundException(`Function not found: ${what}`);
}

/** The 409 Lambda gives while a function is being created or updated. */
export function updateInProgress(arn: string): ResourceConflictException {
  return new ResourceConflictException(
    `The operation cannot be performed at this time. An update is in progress for resource: ${arn}`,
  );
}

/** A 400 for a bad parameter. */
export function invalidParameter(
  message: string,
): InvalidParameterValueException {
  return new InvalidParameterValueException(message);
}
