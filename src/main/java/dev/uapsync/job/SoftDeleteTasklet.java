package dev.uapsync.job;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.batch.core.ExitStatus;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.parameters.JobParameter;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.scope.context.ChunkContext;
import org.springframework.batch.core.step.StepContribution;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.batch.core.step.tasklet.Tasklet;
import org.springframework.batch.infrastructure.item.ExecutionContext;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;

import dev.uapsync.store.SoftDeletes;
import dev.uapsync.store.UserWriter;
import dev.uapsync.uap.UapUserReader;

/**
 * The step after the pass: soft-deletes the users the pass did not see, when that is
 * safe.
 *
 * <ul>
 * <li>Only after a consistent pass: the read ended normally (this step runs only then),
 * the UAP's {@code total} was the same at every page, each page began with the user the
 * page before ended with ({@link UapUserReader}), and the records received equal the
 * total. Otherwise users added or removed during the pass shifted the offsets, a user may
 * have been skipped, and nobody is soft-deleted: the note says why.
 * <li>Only while the pass's lists of users seen unchanged are whole: their count must
 * equal the one the pass committed with its chunks. A later sync that completes removes
 * the lists of this one if it failed; restarted after that, it deletes nobody.
 * <li>A brake: when more than {@code uap.delete.max-ratio} of the present users (or more
 * than {@code uap.delete.max-count}) would go, or the UAP reports no users at all, none
 * go; the step ends with exit code {@link #DELETES_HELD} unless the sync was started with
 * {@code --allow-mass-delete}.
 * </ul>
 * The outcome is kept in this step's execution context, where {@code status} reads it; so
 * are the pass's figures when a restart reruns only this step.
 */
class SoftDeleteTasklet implements Tasklet {

	/**
	 * The exit code of a sync whose deletions the brake held.
	 */
	static final String DELETES_HELD = "DELETES_HELD";

	/**
	 * The non-identifying job parameter that releases the brake.
	 */
	static final String ALLOW_MASS_DELETE = "allow.mass.delete";

	static final String SOFT_DELETED_KEY = "softDelete.deleted";

	static final String HELD_KEY = "softDelete.held";

	static final String NOTE_KEY = "softDelete.note";

	private static final Log logger = LogFactory.getLog(SoftDeleteTasklet.class);

	private final SoftDeletes softDeletes;

	private final JobRepository jobRepository;

	private final double maxRatio;

	private final @Nullable Long maxCount;

	SoftDeleteTasklet(SoftDeletes softDeletes, JobRepository jobRepository, double maxRatio, @Nullable Long maxCount) {
		this.softDeletes = softDeletes;
		this.jobRepository = jobRepository;
		this.maxRatio = maxRatio;
		this.maxCount = maxCount;
	}

	@Override
	public RepeatStatus execute(StepContribution contribution, ChunkContext chunkContext) {
		JobExecution job = contribution.getStepExecution().getJobExecution();
		boolean dryRun = UserWriter.isDryRun(job.getJobParameters());
		decide(contribution.getStepExecution(), job, dryRun);
		// what this pass saw, and what failed passes it supersedes saw; kept when
		// deciding failed, for the restart
		this.softDeletes.forget(job.getJobInstanceId());
		return RepeatStatus.FINISHED;
	}

	private void decide(StepExecution step, JobExecution job, boolean dryRun) {
		long instance = job.getJobInstanceId();
		StepExecution pass = this.jobRepository.getLastStepExecution(job.getJobInstance(),
				SyncJobConfiguration.STEP_NAME);
		ExecutionContext passContext = (pass != null) ? pass.getExecutionContext() : new ExecutionContext();
		if (pass != null && pass.getJobExecutionId() != job.getId()) {
			// a restart that reruns only this step: its report shows the pass's figures
			passContext.entrySet().forEach((entry) -> step.getExecutionContext().put(entry.getKey(), entry.getValue()));
		}
		long lastTotal = passContext.getLong(UapUserReader.LAST_TOTAL_KEY, -1L);
		String inconsistency = inconsistency(passContext);
		if (inconsistency != null) {
			end(step, ExitStatus.COMPLETED.getExitCode(),
					"Deletions wait for the next consistent pass: " + inconsistency);
			return;
		}
		if (!dryRun) {
			long recorded = passContext.getLong(UserWriter.LISTED_KEY, 0L);
			long listed = this.softDeletes.listedUsers(instance);
			if (listed != recorded) {
				end(step, ExitStatus.COMPLETED.getExitCode(),
						"Deletions wait for the next consistent pass: the pass listed " + recorded
								+ " users it saw unchanged, but uap_sync_seen_list holds " + listed
								+ " of them (a sync that completed after this one failed removes its lists)");
				return;
			}
		}
		SoftDeletes.Unseen found = this.softDeletes.unseen(instance, dryRun);
		long unseen = found.count();
		String brake = null;
		if (unseen > 0 && !allowMassDelete(job)) {
			// a dry run inserted and restored nobody: count those as the real run would
			long present = this.softDeletes.present() + (dryRun ? passContext.getLong(UserWriter.INSERTED_KEY, 0L)
					+ passContext.getLong(UserWriter.RESTORED_KEY, 0L) : 0);
			brake = brake(unseen, present, lastTotal);
		}
		if (brake != null) {
			step.getExecutionContext().putLong(HELD_KEY, unseen);
			end(step, DELETES_HELD, unseen + " users would be soft-deleted, but " + brake
					+ ": none were. If the UAP really lost them, run: sync --allow-mass-delete");
			return;
		}
		long deleted = dryRun ? unseen : this.softDeletes.softDelete(instance, found);
		step.getExecutionContext().putLong(SOFT_DELETED_KEY, deleted);
		if (deleted > 0) {
			logger.info((dryRun ? "Would soft-delete " : "Soft-deleted ") + deleted
					+ " users that the UAP no longer lists");
		}
	}

	private static @Nullable String inconsistency(ExecutionContext context) {
		long first = context.getLong(UapUserReader.FIRST_TOTAL_KEY, -1L);
		long last = context.getLong(UapUserReader.LAST_TOTAL_KEY, -1L);
		long received = context.getLong(UapUserReader.OFFSET_KEY, 0L);
		if (first != last) {
			return "the UAP's total changed from " + first + " to " + last + " during the pass";
		}
		if (context.getLong(UapUserReader.TOTAL_CHANGED_KEY, 0L) != 0) {
			return "the UAP's total was " + first + " at the first and the last page but differed in between";
		}
		long shiftedAt = context.getLong(UapUserReader.SHIFTED_AT_KEY, -1L);
		if (shiftedAt >= 0) {
			return "the page at offset " + (shiftedAt - 1) + " did not begin with the user the page before ended "
					+ "with, so users were added or removed before it while the pass paged (the total stayed " + last
					+ ")";
		}
		long uncheckedAt = context.getLong(UapUserReader.UNCHECKED_AT_KEY, -1L);
		if (uncheckedAt >= 0) {
			return "the sync was restarted from a state an earlier version saved without the user its last page "
					+ "ended with, so the page at offset " + (uncheckedAt - 1) + " could not be checked for users "
					+ "added or removed";
		}
		if (received != last) {
			return "the pass received " + received + " records, but the UAP's total is " + last;
		}
		return null;
	}

	private @Nullable String brake(long unseen, long present, long lastTotal) {
		if (lastTotal == 0) {
			return "the UAP reports no users at all";
		}
		if (unseen > this.maxRatio * present) {
			return String.format("that is %d of %d present users (%.1f%%), more than UAP_DELETE_MAX_RATIO=%s allows",
					unseen, present, 100.0 * unseen / present, this.maxRatio);
		}
		if (this.maxCount != null && unseen > this.maxCount) {
			return "that is more than UAP_DELETE_MAX_COUNT=" + this.maxCount + " allows";
		}
		return null;
	}

	private static boolean allowMassDelete(JobExecution job) {
		JobParameter<?> allow = job.getJobParameters().getParameter(ALLOW_MASS_DELETE);
		return allow != null && Boolean.parseBoolean(String.valueOf(allow.value()));
	}

	private static void end(StepExecution step, String exitCode, String note) {
		logger.warn(note);
		step.getExecutionContext().putString(NOTE_KEY, note);
		step.setExitStatus(new ExitStatus(exitCode, note));
	}

}
