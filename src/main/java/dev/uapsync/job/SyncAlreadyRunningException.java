package dev.uapsync.job;

/**
 * A sync could not start because another one holds the sync lock on the same database.
 * The command line turns it into exit code 3.
 */
public class SyncAlreadyRunningException extends RuntimeException {

	SyncAlreadyRunningException(String message) {
		super(message);
	}

}
