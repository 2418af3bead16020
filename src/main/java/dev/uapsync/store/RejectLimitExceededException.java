package dev.uapsync.store;

import java.util.List;
import java.util.stream.Collectors;

import dev.uapsync.user.SyncItem.RejectedUser;

/**
 * More records were rejected in one sync than {@code uap.reject-limit} allows. The chunk
 * that passed the limit is rolled back with its rejects; the rejects of earlier chunks
 * stay recorded. The message therefore says how many are recorded, and gives the offsets
 * and reasons of the first rejects rolled back, since no table keeps them (reasons name
 * the field and the rule, never a value).
 */
public class RejectLimitExceededException extends RuntimeException {

	/**
	 * How many of the rolled-back chunk's rejects the message names.
	 */
	public static final int NAMED = 5;

	RejectLimitExceededException(long earlier, boolean dryRun, List<RejectedUser> rolledBack, int limit,
			long jobExecutionId) {
		super((earlier + rolledBack.size()) + " records rejected, more than UAP_REJECT_LIMIT=" + limit + " allows; "
				+ (dryRun ? "a dry run records none in uap_user_reject"
						: earlier + " of them recorded in uap_user_reject"
								+ ((earlier > 0) ? " (job_execution_id " + jobExecutionId
										+ ", and earlier executions of this sync if it was restarted)" : ""))
				+ "; the chunk that passed the limit " + (dryRun ? "has " : "rolled back with its ") + rolledBack.size()
				+ ", " + ((rolledBack.size() > NAMED) ? "the first " + NAMED + " at " : "at ") + "offset "
				+ rolledBack.stream()
					.limit(NAMED)
					.map((reject) -> reject.source().offset() + " (" + reject.reason() + ")")
					.collect(Collectors.joining(", "))
				+ ". Fix the records at the UAP, or raise UAP_REJECT_LIMIT and restart");
	}

}
