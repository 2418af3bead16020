package dev.uapsync.job;

import java.time.Duration;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import org.jspecify.annotations.Nullable;

import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.JobInstance;
import org.springframework.batch.core.job.parameters.JobParameter;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.StepExecution;

/**
 * The recent syncs, read from Spring Batch's own tables through the
 * {@link JobRepository}: what {@code status} shows. Reading takes no lock, so it works
 * while a sync runs.
 */
public class SyncStatus {

	/**
	 * How many job instances are searched for the last successful sync.
	 */
	private static final int SEARCHED_INSTANCES = 500;

	private final JobRepository jobRepository;

	public SyncStatus(JobRepository jobRepository) {
		this.jobRepository = jobRepository;
	}

	/**
	 * Returns the most recent executions, newest first.
	 * @param limit how many
	 * @return the executions
	 */
	public List<Row> recent(int limit) {
		List<JobExecution> executions = new ArrayList<>();
		for (JobInstance instance : this.jobRepository.getJobInstances(SyncJobConfiguration.JOB_NAME, 0, limit)) {
			executions.addAll(this.jobRepository.getJobExecutions(instance));
		}
		return executions.stream()
			.sorted(Comparator.comparingLong(JobExecution::getId).reversed())
			.limit(limit)
			.map(Row::of)
			.toList();
	}

	/**
	 * Returns the most recent execution that completed.
	 * @return it, or {@code null} when no sync has completed
	 */
	public @Nullable Row lastSuccess() {
		for (JobInstance instance : this.jobRepository.getJobInstances(SyncJobConfiguration.JOB_NAME, 0,
				SEARCHED_INSTANCES)) {
			for (JobExecution execution : this.jobRepository.getJobExecutions(instance)) {
				if (execution.getStatus() == BatchStatus.COMPLETED) {
					return Row.of(execution);
				}
			}
		}
		return null;
	}

	/**
	 * One execution as {@code status} shows it. The counts cover the sync up to the end
	 * of this execution, earlier executions of the same job instance included.
	 *
	 * @param executionId the job execution id
	 * @param trigger what launched it: {@code slot <time>} for a scheduled sync,
	 * {@code manual <run id>} for a manual one
	 * @param status the batch status
	 * @param exitCode the exit code, e.g. {@code COMPLETED}, {@code FAILED}
	 * @param exitMessage the first line of the exit message, or empty
	 * @param start when it started, or {@code null}
	 * @param end when it ended, or {@code null} while it runs
	 * @param duration how long it ran, or ran so far
	 * @param read users read
	 * @param written users inserted or updated
	 * @param unchanged users found as stored
	 * @param rejected records rejected
	 * @param softDeleted users soft-deleted after the pass
	 * @param restored soft-deleted users seen again
	 * @param skipped items Spring Batch skipped (always 0: no record is skipped, a bad
	 * one is rejected)
	 * @param resumeOffset where {@code restart} would resume, for a FAILED or STOPPED
	 * execution, else {@code null}
	 * @param uapTotal the UAP's {@code total} at the last page read, or {@code null}
	 */
	public record Row(long executionId, String trigger, BatchStatus status, String exitCode, String exitMessage,
			@Nullable LocalDateTime start, @Nullable LocalDateTime end, Duration duration, long read, long written,
			long unchanged, long rejected, long softDeleted, long restored, long skipped, @Nullable Long resumeOffset,
			@Nullable Long uapTotal) {

		static Row of(JobExecution execution) {
			SyncReport report = SyncReport.of(execution);
			long skipped = execution.getStepExecutions().stream().mapToLong(StepExecution::getSkipCount).sum();
			boolean restartable = execution.getStatus() == BatchStatus.FAILED
					|| execution.getStatus() == BatchStatus.STOPPED;
			return new Row(execution.getId(), trigger(execution), execution.getStatus(),
					execution.getExitStatus().getExitCode(), firstLine(execution.getExitStatus().getExitDescription()),
					execution.getStartTime(), execution.getEndTime(), report.duration(), report.read(),
					report.inserted() + report.updated(), report.unchanged(), report.rejected(), report.softDeleted(),
					report.restored(), skipped, restartable ? report.read() : null,
					(report.lastTotal() >= 0) ? report.lastTotal() : null);
		}

		private static String trigger(JobExecution execution) {
			JobParameter<?> slot = execution.getJobParameters().getParameter(SyncLauncher.SLOT);
			if (slot != null) {
				return "slot " + slot.value();
			}
			JobParameter<?> run = execution.getJobParameters().getParameter(SyncLauncher.RUN_ID);
			return (run != null) ? "manual " + run.value() : "?";
		}

		private static String firstLine(@Nullable String text) {
			if (text == null || text.isBlank()) {
				return "";
			}
			String line = text.strip().lines().findFirst().orElse("");
			return (line.length() > 160) ? line.substring(0, 160) + "..." : line;
		}

	}

}
