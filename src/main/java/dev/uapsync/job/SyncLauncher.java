package dev.uapsync.job;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.JobExecutionException;
import org.springframework.batch.core.job.JobInstance;
import org.springframework.batch.core.job.parameters.JobParameters;
import org.springframework.batch.core.job.parameters.JobParametersBuilder;
import org.springframework.batch.core.launch.JobOperator;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.dao.EmptyResultDataAccessException;

import dev.uapsync.ConfigurationException;
import dev.uapsync.store.SyncLock;
import dev.uapsync.store.UserWriter;

/**
 * Starts and restarts syncs through Spring Batch's {@link JobOperator}, in the calling
 * thread, one at a time per database.
 *
 * <p>
 * Each launch first takes the {@link SyncLock}. Holding it proves that no live process
 * runs a sync on this database, so an execution that the batch tables still show as
 * running was left by a process that died ({@code kill -9}, an OOM kill, a power cut); it
 * is recovered ({@link JobOperator#recover}: marked FAILED, restartable from its last
 * commit) before anything else. When another process holds the lock, the launch is
 * refused with a {@link SyncAlreadyRunningException} naming the running execution.
 */
public class SyncLauncher {

	/**
	 * The identifying job parameter of a manual sync: its start time in epoch
	 * milliseconds, so that every manual sync is a new job instance.
	 */
	public static final String RUN_ID = "run.id";

	/**
	 * The identifying job parameter of a scheduled sync: the slot's time, so that a slot
	 * is one job instance, synced once however many schedulers fire it.
	 */
	public static final String SLOT = "slot";

	/**
	 * How many of the latest job instances are searched for a sync to restart or recover.
	 */
	private static final int RECENT_INSTANCES = 20;

	private static final Log logger = LogFactory.getLog(SyncLauncher.class);

	private final JobOperator jobOperator;

	private final JobRepository jobRepository;

	private final Job job;

	private final SyncLock lock;

	private final RunningSync runningSync;

	public SyncLauncher(JobOperator jobOperator, JobRepository jobRepository, Job job, SyncLock lock,
			RunningSync runningSync) {
		this.jobOperator = jobOperator;
		this.jobRepository = jobRepository;
		this.job = job;
		this.lock = lock;
		this.runningSync = runningSync;
	}

	/**
	 * Runs one sync as a new job instance and returns when it has ended.
	 * @return the finished execution
	 * @throws SyncAlreadyRunningException when another process is running a sync
	 * @throws JobExecutionException when Spring Batch refuses to start it
	 */
	public JobExecution sync() throws JobExecutionException {
		return sync(false, false);
	}

	/**
	 * Runs one sync as a new job instance and returns when it has ended.
	 * @param dryRun whether to read and count only, changing nothing in {@code uap_user}
	 * @param allowMassDelete whether to release the brake on soft deletion
	 * @return the finished execution
	 * @throws SyncAlreadyRunningException when another process is running a sync
	 * @throws JobExecutionException when Spring Batch refuses to start it
	 */
	public JobExecution sync(boolean dryRun, boolean allowMassDelete) throws JobExecutionException {
		return whileLocked(() -> this.jobOperator.start(this.job,
				new JobParametersBuilder().addLong(RUN_ID, System.currentTimeMillis())
					.addString(UserWriter.DRY_RUN, String.valueOf(dryRun), false)
					.addString(SoftDeleteTasklet.ALLOW_MASS_DELETE, String.valueOf(allowMassDelete), false)
					.toJobParameters()));
	}

	/**
	 * Tells whether a finished sync's deletions were held by the brake.
	 * @param execution the execution
	 * @return whether its exit code is {@code DELETES_HELD}
	 */
	public static boolean deletesHeld(JobExecution execution) {
		return SoftDeleteTasklet.DELETES_HELD.equals(execution.getExitStatus().getExitCode());
	}

	/**
	 * Runs the sync of a scheduled slot and returns when it has ended. A slot already
	 * synced is not synced again; a slot whose sync failed or stopped is restarted where
	 * it stopped.
	 * @param slot the slot, e.g. {@code 2026-12-04T02:00:00+08:00}
	 * @return the finished execution, or empty when the slot was synced before
	 * @throws SyncAlreadyRunningException when another process is running a sync
	 * @throws JobExecutionException when Spring Batch refuses to start it
	 */
	public Optional<JobExecution> syncSlot(String slot) throws JobExecutionException {
		return whileLocked(() -> {
			JobParameters parameters = new JobParametersBuilder().addString(SLOT, slot).toJobParameters();
			JobInstance instance = this.jobRepository.getJobInstance(SyncJobConfiguration.JOB_NAME, parameters);
			JobExecution last = (instance != null) ? this.jobRepository.getLastJobExecution(instance) : null;
			if (last != null && last.getStatus() == BatchStatus.COMPLETED) {
				logger.info("Slot " + slot + " was synced already, by sync " + last.getId());
				return Optional.empty();
			}
			return Optional.of(this.jobOperator.start(this.job, parameters));
		});
	}

	/**
	 * Restarts a failed or stopped sync where it stopped, and returns when it has ended.
	 * @param executionId the execution to restart, or {@code null} for the most recent
	 * failed or stopped one that no completed sync has followed
	 * @return the finished execution, or empty when there is nothing to restart
	 * @throws SyncAlreadyRunningException when another process is running a sync
	 * @throws ConfigurationException when the given execution cannot be restarted
	 * @throws JobExecutionException when Spring Batch refuses to restart it
	 */
	public Optional<JobExecution> restart(@Nullable Long executionId) throws JobExecutionException {
		return whileLocked(() -> {
			JobExecution target = (executionId != null) ? restartable(executionId) : lastRestartable();
			if (target == null) {
				return Optional.empty();
			}
			logger.info("Restarting sync " + target.getId() + " (" + target.getStatus() + ") at offset "
					+ SyncReport.of(target).read());
			return Optional.of(this.jobOperator.restart(target));
		});
	}

	/**
	 * Takes the sync lock, recovers what dead processes left running, then does the work;
	 * the lock is checked before every chunk ({@link RunningSync}) and released at the
	 * end.
	 */
	private <T> T whileLocked(LockedWork<T> work) throws JobExecutionException {
		try (SyncLock.Held held = this.lock.tryAcquire()
			.orElseThrow(() -> new SyncAlreadyRunningException(runningDescription()))) {
			this.runningSync.holding(held);
			try {
				recoverAbandoned();
				return work.run();
			}
			finally {
				this.runningSync.holding(null);
			}
		}
	}

	@FunctionalInterface
	private interface LockedWork<T> {

		T run() throws JobExecutionException;

	}

	private String runningDescription() {
		String running = this.jobRepository.findRunningJobExecutions(SyncJobConfiguration.JOB_NAME)
			.stream()
			.map((execution) -> "sync " + execution.getId() + " (started " + execution.getStartTime() + ")")
			.reduce((a, b) -> a + ", " + b)
			.orElse("a sync that is starting");
		return "Another process is running " + running
				+ " on this database and holds its sync lock: wait for it to end, or stop it, then try again";
	}

	/**
	 * Marks FAILED every execution left running by a dead process. Called with the lock
	 * held, so none of them can belong to a live one.
	 */
	private void recoverAbandoned() {
		Map<Long, JobExecution> abandoned = new LinkedHashMap<>();
		for (JobExecution execution : this.jobRepository.findRunningJobExecutions(SyncJobConfiguration.JOB_NAME)) {
			abandoned.put(execution.getId(), execution);
		}
		for (JobInstance instance : recentInstances()) {
			JobExecution last = this.jobRepository.getLastJobExecution(instance);
			if (last != null && last.getStatus().isRunning()) {
				abandoned.putIfAbsent(last.getId(), last);
			}
		}
		for (JobExecution execution : abandoned.values()) {
			BatchStatus left = execution.getStatus();
			this.jobOperator.recover(execution);
			logger.warn("Sync " + execution.getId() + " was left " + left
					+ " by a process that no longer runs (killed, or its machine stopped): marked FAILED; "
					+ "'restart' resumes it at offset " + SyncReport.of(execution).read());
		}
	}

	private @Nullable JobExecution lastRestartable() {
		for (JobInstance instance : recentInstances()) {
			JobExecution last = this.jobRepository.getLastJobExecution(instance);
			if (last == null) {
				continue;
			}
			if (last.getStatus() == BatchStatus.COMPLETED) {
				return null;
			}
			if (last.getStatus() == BatchStatus.FAILED || last.getStatus() == BatchStatus.STOPPED) {
				return last;
			}
		}
		return null;
	}

	private JobExecution restartable(long executionId) {
		JobExecution execution = find(executionId);
		if (execution == null || !SyncJobConfiguration.JOB_NAME.equals(execution.getJobInstance().getJobName())) {
			throw new ConfigurationException("There is no sync execution " + executionId
					+ ": give the id of a FAILED or STOPPED one, or none for the latest");
		}
		JobExecution last = this.jobRepository.getLastJobExecution(execution.getJobInstance());
		if (last == null || !(last.getStatus() == BatchStatus.FAILED || last.getStatus() == BatchStatus.STOPPED)) {
			throw new ConfigurationException("Sync " + executionId + " cannot be restarted: its job instance is "
					+ ((last != null) ? last.getStatus() : "unknown") + "; only a FAILED or STOPPED sync can be");
		}
		for (JobInstance instance : recentInstances()) {
			JobExecution later = this.jobRepository.getLastJobExecution(instance);
			if (instance.getInstanceId() > execution.getJobInstanceId() && later != null
					&& later.getStatus() == BatchStatus.COMPLETED) {
				throw new ConfigurationException("Sync " + executionId + " cannot be restarted: sync " + later.getId()
						+ " started after it and completed, so it is superseded; run 'sync' for a new pass");
			}
		}
		return last;
	}

	private @Nullable JobExecution find(long executionId) {
		try {
			return this.jobRepository.getJobExecution(executionId);
		}
		catch (EmptyResultDataAccessException ex) {
			// the JDBC repository reports an unknown id this way rather than with null
			return null;
		}
	}

	private Iterable<JobInstance> recentInstances() {
		return this.jobRepository.getJobInstances(SyncJobConfiguration.JOB_NAME, 0, RECENT_INSTANCES);
	}

}
