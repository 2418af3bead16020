package dev.uapsync.store;

/**
 * More records were rejected in one sync than {@code uap.reject-limit} allows. The chunk
 * that passed the limit is rolled back; the rejects of earlier chunks stay recorded.
 */
public class RejectLimitExceededException extends RuntimeException {

	RejectLimitExceededException(long rejected, int limit, long jobExecutionId) {
		super(rejected + " records rejected, more than UAP_REJECT_LIMIT=" + limit
				+ " allows: see why in uap_user_reject (job_execution_id " + jobExecutionId
				+ "), fix the records at the UAP, or raise UAP_REJECT_LIMIT and restart");
	}

}
