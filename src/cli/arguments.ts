// Checks of command-line arguments that several commands share. A refusal is a usage error (exit 2) that names the
// option or argument, what it must be, and what was given.
import { CliError, exitCodes } from './output.js';

/** An id such as a page, incident or notification id: a positive whole number (`what` names it in the error). */
export function numericId(what: string, id: string): string {
  if (!/^[1-9][0-9]{0,17}$/.test(id)) throw new CliError(`${what} must be a number such as 12, not "${id}"`, exitCodes.usage);
  return id;
}

/** A value from a closed list, when given. */
export function oneOf(flag: string, value: string | undefined, allowed: readonly string[]): void {
  if (value !== undefined && !allowed.includes(value)) throw new CliError(`${flag} must be one of ${allowed.join(', ')}, not "${value}"`, exitCodes.usage);
}

/** Commander's option parser for a repeatable option: every occurrence, in order. */
export function repeatable(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}
