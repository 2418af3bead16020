package dev.uapsync.job;

import java.time.Duration;
import java.time.LocalDateTime;
import java.util.Comparator;
import java.util.Optional;

import org.jspecify.annotations.Nullable;

import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.batch.infrastructure.item.ExecutionContext;

import dev.uapsync.store.UserWriter;
import dev.uapsync.uap.UapUserReader;

/**
 * The figures of one sync execution, read from its step's execution context, so they
 * cover the whole sync, restarts included. {@code read} always equals inserted + updated
 * + unchanged + rejected.
 *
 * @param executionId the job execution id
 * @param status the batch status
 * @param read users read from the UAP
 * @param inserted users new to {@code uap_user}
 * @param updated users whose name or English name changed
 * @param unchanged users found as stored
 * @param rejected records written to {@code uap_user_reject}
 * @param softDeleted users soft-deleted after the pass (or that a dry run would)
 * @param restored soft-deleted users seen again
 * @param deletionNote why no user was soft-deleted (an inconsistent pass, the brake), or
 * {@code null}
 * @param firstTotal the UAP's {@code total} at the first page, -1 if never seen
 * @param lastTotal the UAP's {@code total} at the last page, -1 if never seen
 * @param duration how long this execution ran
 */
public record SyncReport(long executionId, BatchStatus status, long read, long inserted, long updated, long unchanged,
		long rejected, long softDeleted, long restored, @Nullable String deletionNote, long firstTotal, long lastTotal,
		Duration duration) {

	/**
	 * Reads the report of an execution of {@code uapUserSyncJob}.
	 * @param execution the job execution
	 * @return its report
	 */
	public static SyncReport of(JobExecution execution) {
		// a restart that reran only the deletion step keeps the pass's figures there
		ExecutionContext context = lastStep(execution, SyncJobConfiguration.STEP_NAME)
			.or(() -> lastStep(execution, SyncJobConfiguration.DELETE_STEP_NAME))
			.map(StepExecution::getExecutionContext)
			.orElseGet(ExecutionContext::new);
		ExecutionContext deletion = lastStep(execution, SyncJobConfiguration.DELETE_STEP_NAME)
			.map(StepExecution::getExecutionContext)
			.orElseGet(ExecutionContext::new);
		LocalDateTime start = execution.getStartTime();
		LocalDateTime end = (execution.getEndTime() != null) ? execution.getEndTime() : LocalDateTime.now();
		Duration duration = (start != null) ? Duration.between(start, end) : Duration.ZERO;
		return new SyncReport(execution.getId(), execution.getStatus(), count(context, UapUserReader.OFFSET_KEY),
				count(context, UserWriter.INSERTED_KEY), count(context, UserWriter.UPDATED_KEY),
				count(context, UserWriter.UNCHANGED_KEY), count(context, UserWriter.REJECTED_KEY),
				count(deletion, SoftDeleteTasklet.SOFT_DELETED_KEY), count(context, UserWriter.RESTORED_KEY),
				deletion.containsKey(SoftDeleteTasklet.NOTE_KEY) ? deletion.getString(SoftDeleteTasklet.NOTE_KEY)
						: null,
				context.getLong(UapUserReader.FIRST_TOTAL_KEY, -1L), context.getLong(UapUserReader.LAST_TOTAL_KEY, -1L),
				duration);
	}

	private static Optional<StepExecution> lastStep(JobExecution execution, String name) {
		return execution.getStepExecutions()
			.stream()
			.filter((step) -> name.equals(step.getStepName()))
			.max(Comparator.comparingLong(StepExecution::getId));
	}

	private static long count(ExecutionContext context, String key) {
		return context.getLong(key, 0L);
	}

	/**
	 * Returns the one-line summary that closes a sync's log.
	 * @return the summary
	 */
	public String summary() {
		return "Sync " + this.executionId + " " + this.status + " in " + seconds(this.duration) + ": read " + this.read
				+ ", inserted " + this.inserted + ", updated " + this.updated + ", unchanged " + this.unchanged
				+ ", rejected " + this.rejected + ", soft-deleted " + this.softDeleted + ", restored " + this.restored
				+ totals() + ((this.deletionNote != null) ? ". " + this.deletionNote : "");
	}

	private String totals() {
		if (this.firstTotal < 0) {
			return "";
		}
		if (this.firstTotal == this.lastTotal) {
			return " (UAP total " + this.lastTotal + ")";
		}
		return " (UAP total " + this.firstTotal + " at the first page, " + this.lastTotal + " at the last)";
	}

	static String seconds(@Nullable Duration duration) {
		return (duration != null) ? String.format("%.1f s", duration.toMillis() / 1000.0) : "?";
	}

}
