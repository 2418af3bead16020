package dev.uapsync.uap;

import java.time.Duration;

import org.jspecify.annotations.Nullable;

/**
 * The UAP answered in a way the sync cannot use, or could not be reached. The message
 * says what came back, for which page, and what to check; it never holds the access token
 * or a whole response body.
 *
 * <p>
 * A retryable failure is one that may pass by itself: a 5xx or 429 answer, a connection
 * failure or timeout, a body that is not the expected JSON. Any other (a rejected token,
 * another 4xx, a redirect) fails at once, since asking again would get the same answer.
 */
public class UapException extends RuntimeException {

	private final boolean retryable;

	private final @Nullable Duration retryAfter;

	UapException(String message, boolean retryable, @Nullable Duration retryAfter, @Nullable Throwable cause) {
		super(message, cause);
		this.retryable = retryable;
		this.retryAfter = retryAfter;
	}

	static UapException permanent(String message) {
		return new UapException(message, false, null, null);
	}

	static UapException retryable(String message, @Nullable Throwable cause) {
		return new UapException(message, true, null, cause);
	}

	/**
	 * Tells whether asking again may succeed.
	 * @return whether the failure is transient
	 */
	public boolean isRetryable() {
		return this.retryable;
	}

	/**
	 * Returns how long the UAP asked the client to wait ({@code Retry-After}), if it did.
	 * @return the wait, or {@code null}
	 */
	public @Nullable Duration retryAfter() {
		return this.retryAfter;
	}

}
