package dev.uapsync.store;

import java.io.IOException;
import java.nio.file.Path;

import org.jspecify.annotations.Nullable;

import org.springframework.core.NestedExceptionUtils;
import org.springframework.dao.DataAccessException;

/**
 * {@code LOAD DATA LOCAL INFILE} of a chunk's new users failed or did not store them as
 * sent. The chunk is rolled back, so nothing is lost; the message says what to do. A
 * {@link #isRefusal() refusal}, by the server or the driver, stored nothing, and the
 * writer inserts the users with {@code INSERT} instead.
 */
public class LoadDataException extends RuntimeException {

	private final boolean refusal;

	private LoadDataException(String message, @Nullable Throwable cause, boolean refusal) {
		super(message, cause);
		this.refusal = refusal;
	}

	/**
	 * Tells whether the server or the driver refused the load before storing anything.
	 * @return whether it is a refusal
	 */
	public boolean isRefusal() {
		return this.refusal;
	}

	static LoadDataException incomplete(long stored, int sent, @Nullable String warning) {
		return new LoadDataException(
				"LOAD DATA LOCAL INFILE stored " + ((stored >= 0) ? stored + " of " + sent : "not all " + sent)
						+ " new users" + ((warning != null) ? " (the server warned: " + warning + ")" : "")
						+ ": a user was added to uap_user beside the sync, or the server changed a value; the chunk is "
						+ "rolled back and nothing is lost; run 'restart', or set UAP_LOAD_DATA=false to insert with "
						+ "INSERT statements",
				null, false);
	}

	static LoadDataException refused(DataAccessException cause) {
		String reason = String.valueOf(NestedExceptionUtils.getMostSpecificCause(cause).getMessage());
		return new LoadDataException(
				"LOAD DATA LOCAL INFILE of new users was refused (" + reason.lines().findFirst().orElse(reason) + ")",
				cause, true);
	}

	static LoadDataException unwritable(Path folder, IOException cause) {
		return new LoadDataException("Cannot write the new users to load to " + folder + " (" + cause
				+ "): point java.io.tmpdir at a writable folder, or set UAP_LOAD_DATA=false, then run 'restart'", cause,
				false);
	}

}
