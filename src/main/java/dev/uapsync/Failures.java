package dev.uapsync;

import java.io.IOException;
import java.sql.SQLException;
import java.util.Locale;

import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.core.NestedExceptionUtils;
import org.springframework.dao.DataAccessException;
import org.springframework.web.client.ResourceAccessException;

import dev.uapsync.store.LoadDataException;
import dev.uapsync.store.RejectLimitExceededException;
import dev.uapsync.uap.UapException;

/**
 * Turns a failure into the one line an operator reads: its cause and the fix, never a
 * stack trace, never a secret.
 */
public final class Failures {

	/**
	 * H2's error code for a file database locked by another process.
	 */
	private static final int H2_DATABASE_ALREADY_OPEN = 90020;

	private Failures() {
	}

	/**
	 * Describes a failure in one line.
	 * @param failure what was thrown
	 * @return the line
	 */
	public static String describe(Throwable failure) {
		if (isDatabaseInUse(failure)) {
			return "The H2 database is open in another process, a running sync or H2's shell ("
					+ oneLine(NestedExceptionUtils.getMostSpecificCause(failure).getMessage())
					+ "): H2 lets one process at a time open its file; wait for it to end, or stop it";
		}
		for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
			if (cause instanceof ConfigurationException || cause instanceof UapException
					|| cause instanceof RejectLimitExceededException || cause instanceof LoadDataException) {
				return oneLine(cause.getMessage());
			}
			if (cause instanceof BindException bind) {
				return describe(bind);
			}
		}
		Throwable root = NestedExceptionUtils.getMostSpecificCause(failure);
		String what = root.getClass().getSimpleName() + ": " + oneLine(root.getMessage());
		if (has(failure, SQLException.class) || has(failure, DataAccessException.class)) {
			return "Database error (" + what + "): check SPRING_DATASOURCE_URL, SPRING_DATASOURCE_USERNAME "
					+ "and SPRING_DATASOURCE_PASSWORD, and that the database is up";
		}
		if (has(failure, ResourceAccessException.class) || has(failure, IOException.class)) {
			return "Cannot reach the UAP (" + what + "): check UAP_BASE_URL, the network and the UAP";
		}
		return what;
	}

	/**
	 * Tells whether a failure says that an H2 file database is open in another process,
	 * which H2 allows to one process at a time: another sync, or H2's shell, has it.
	 * @param failure what was thrown
	 * @return whether the database is in use elsewhere
	 */
	public static boolean isDatabaseInUse(Throwable failure) {
		for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
			if (cause instanceof SQLException sql && sql.getErrorCode() == H2_DATABASE_ALREADY_OPEN) {
				return true;
			}
		}
		return false;
	}

	private static String describe(BindException bind) {
		String name = bind.getName().toString();
		String variable = name.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
		String value = "";
		if (bind.getProperty() != null && !name.contains("token") && !name.contains("password")) {
			value = "='" + bind.getProperty().getValue() + "'";
		}
		Throwable cause = NestedExceptionUtils.getMostSpecificCause(bind);
		return variable + value + " is not valid (" + oneLine(cause.getMessage()) + "): fix " + variable + " (property "
				+ name + ")";
	}

	private static boolean has(Throwable failure, Class<? extends Throwable> type) {
		for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
			if (type.isInstance(cause)) {
				return true;
			}
		}
		return false;
	}

	public static String oneLine(String message) {
		return (message != null) ? message.replaceAll("\\s+", " ").strip() : "(no message)";
	}

}
