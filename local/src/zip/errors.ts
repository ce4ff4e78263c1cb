// What a refused deployment package is, each with the words Lambda answers it with.

/** Lambda's limit on a package's unzipped size: 250 MB. */
export const UNZIPPED_LIMIT = 262144000;

/** A package that cannot be unpacked as it is: not a zip, damaged, or holding a path or link outside its folder. */
export class InvalidZipError extends Error {
  /** What Lambda's `InvalidParameterValueException` says about such a package. */
  readonly lambdaMessage: string =
    "Could not unzip uploaded file. Please check your file, then try to upload again.";

  /** Creates the error with what is wrong. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "InvalidZipError";
  }
}

/** A package with no entries (or no bytes at all). */
export class EmptyZipError extends InvalidZipError {
  /** What Lambda says about an empty package. */
  override readonly lambdaMessage: string =
    "Uploaded file must be a non-empty zip";

  /** Creates the error. */
  constructor() {
    super("The zip holds no entries");
    this.name = "EmptyZipError";
  }
}

/** A package whose entries inflate to more than the limit, counted on the bytes actually inflated. */
export class UnzippedSizeError extends InvalidZipError {
  /** What Lambda says about a package over the limit. */
  override readonly lambdaMessage: string;
  /** The limit passed, in bytes. */
  readonly limit: number;

  /** Creates the error for `limit`. */
  constructor(limit: number) {
    super(`The zip inflates to more than ${limit} bytes`);
    this.name = "UnzippedSizeError";
    this.limit = limit;
    this.lambdaMessage = `Unzipped size must be smaller than ${limit} bytes`;
  }
}
