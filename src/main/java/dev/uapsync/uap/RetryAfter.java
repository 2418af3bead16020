package dev.uapsync.uap;

import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;

import org.jspecify.annotations.Nullable;

/**
 * Reads an HTTP {@code Retry-After} header, which gives either seconds or a date.
 */
final class RetryAfter {

	/**
	 * The longest wait reported; any longer one is reported as this, well past any
	 * sensible limit, so that no arithmetic overflows.
	 */
	static final Duration LONGEST = Duration.ofDays(366);

	private RetryAfter() {
	}

	/**
	 * Parses a {@code Retry-After} value.
	 * @param value the header value, may be {@code null}
	 * @param now the current time, for a date value
	 * @return the wait (zero for a date in the past), or {@code null} when the value is
	 * absent or unreadable
	 */
	static @Nullable Duration parse(@Nullable String value, Instant now) {
		if (value == null || value.isBlank()) {
			return null;
		}
		String text = value.strip();
		try {
			long seconds = Long.parseLong(text);
			return (seconds >= 0) ? Duration.ofSeconds(Math.min(seconds, LONGEST.toSeconds())) : null;
		}
		catch (NumberFormatException ex) {
			// not seconds (or more than a long holds): try an HTTP date
			if (text.matches("[0-9]+")) {
				return LONGEST;
			}
		}
		try {
			Instant at = ZonedDateTime.parse(text, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
			Duration wait = Duration.between(now, at);
			return wait.isNegative() ? Duration.ZERO : (wait.compareTo(LONGEST) > 0) ? LONGEST : wait;
		}
		catch (DateTimeParseException ex) {
			return null;
		}
	}

}
