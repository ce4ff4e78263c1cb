/**
 * AWS errors a deploy meets, each explained with what to do.
 *
 * @module
 */

/** A deploy that failed, with what to do about it. */
export class DeployError extends Error {
  /** What to do about it. */
  readonly hint: string;
  /** Creates the error. */
  constructor(message: string, hint: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "DeployError";
    this.hint = hint;
  }
}

/** What a step was doing, for the explanation. */
export interface ErrorContext {
  /** The step, e.g. `CreateFunction`. */
  step: string;
  /** The function's name. */
  name: string;
  /** The region, when known. */
  region?: string;
}

/** Turns an error from the AWS SDK into a `DeployError` that says what to do. */
export function explain(error: unknown, context: ErrorContext): DeployError {
  if (error instanceof DeployError) return error;
  const name = (error as { name?: string })?.name ?? "Error";
  const message = error instanceof Error ? error.message : String(error);
  const where = context.region ? ` in ${context.region}` : "";
  const what = `${context.step} failed: ${name}: ${message}`;
  const hint = _hint(name, message, context, where);
  return new DeployError(what, hint, { cause: error });
}

function _hint(
  name: string,
  message: string,
  context: ErrorContext,
  where: string,
): string {
  if (name === "CredentialsProviderError" || /credentials/i.test(message)) {
    if (!/signature|security token|invalid/i.test(message)) {
      return "No AWS credentials were found: set AWS_PROFILE (after `aws configure` or `aws sso login`), or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.";
    }
  }
  if (/region is missing|region not accepted/i.test(message)) {
    return "No region is set: pass --region, or set AWS_REGION (or a region in your AWS profile).";
  }
  switch (name) {
    case "ResourceNotFoundException":
      return `Something named in the request does not exist${where}: check --name, --region, --layer ARNs and --alias; the function is created when it is missing, so a layer or version is the likely one.`;
    case "AccessDeniedException":
    case "AccessDenied":
    case "AccessDeniedError":
      return `The credentials may not call ${context.step}: give their identity lambda:${context.step} (and iam:PassRole on the role; iam:CreateRole and iam:AttachRolePolicy for --create-role; s3:PutObject for --bucket).`;
    case "UnrecognizedClientException":
    case "InvalidSignatureException":
    case "ExpiredTokenException":
    case "InvalidClientTokenId":
      return "The credentials were refused: they are wrong or expired; refresh them (`aws sso login`, or new keys) and check AWS_PROFILE.";
    case "InvalidParameterValueException":
      if (/role/i.test(message)) {
        return "Lambda cannot assume the role: pass --role with the ARN of a role whose trust policy allows lambda.amazonaws.com (or --create-role); a role created moments ago can take about 10 seconds to be usable, so run again.";
      }
      return "A setting was refused: check --memory (128 to 10240), --timeout (1 to 900), --architecture, --layer ARNs (same region, at most 5) and the --env-file names.";
    case "ResourceConflictException":
      return `Another update of ${context.name} is in progress (a deploy or the console): wait until it finishes and run again.`;
    case "RequestEntityTooLargeException":
      return "The zip is too large for a direct upload: pass --bucket NAME to upload it through S3 (the limit is 50 MB zipped, 250 MB unzipped).";
    case "CodeStorageExceededException":
      return "The account's code storage is full: delete old versions of your functions.";
    case "TooManyRequestsException":
    case "ThrottlingException":
      return "AWS is throttling the requests: wait a moment and run again.";
    case "NoSuchBucket":
      return "The --bucket does not exist in that region: create it or name another one.";
    case "TimeoutError":
    case "ECONNREFUSED":
      return "The endpoint did not answer: check the network, --endpoint-url and --region.";
  }
  return "See the message above; run with --dry-run to see the plan.";
}
