package dev.uapsync.uap;

/**
 * The UAP answered in a way the sync cannot use. The message says what came back, for
 * which page, and what to check; it never holds the access token or a whole response
 * body.
 */
public class UapException extends RuntimeException {

	public UapException(String message) {
		super(message);
	}

	public UapException(String message, Throwable cause) {
		super(message, cause);
	}

}
