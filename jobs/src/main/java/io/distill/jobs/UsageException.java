package io.distill.jobs;

/**
 * A command line that cannot be run: unknown option, missing value, value out of range. Exit code
 * 2.
 */
final class UsageException extends RuntimeException {
  UsageException(String message) {
    super(message);
  }
}
