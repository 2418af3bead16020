package dev.uapsync.store;

import org.jspecify.annotations.Nullable;

import org.springframework.core.NestedExceptionUtils;
import org.springframework.dao.DataAccessException;

/**
 * {@code LOAD DATA LOCAL INFILE} of a chunk's new users failed or did not store them as
 * sent. The chunk is rolled back, so nothing is lost; the message says what to do.
 */
public class LoadDataException extends RuntimeException {

	private LoadDataException(String message, @Nullable Throwable cause) {
		super(message, cause);
	}

	static LoadDataException incomplete(long stored, int sent, @Nullable String warning) {
		return new LoadDataException("LOAD DATA LOCAL INFILE stored " + stored + " of " + sent + " new users"
				+ ((warning != null) ? " (the server warned: " + warning + ")" : "")
				+ ": a user was added to uap_user beside the sync, or the server changed a value; the chunk is "
				+ "rolled back and nothing is lost; run 'restart', or set UAP_LOAD_DATA=false to insert with "
				+ "INSERT statements", null);
	}

	static LoadDataException refused(DataAccessException cause) {
		return new LoadDataException(
				"LOAD DATA LOCAL INFILE of new users failed ("
						+ NestedExceptionUtils.getMostSpecificCause(cause).getMessage()
						+ "): the server, or a proxy before it, refuses local data loading; enable local_infile on the "
						+ "server, or set UAP_LOAD_DATA=false to insert with INSERT statements, then run 'restart'",
				cause);
	}

}
