package dev.uapsync.job;

import java.util.concurrent.atomic.AtomicReference;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.launch.JobExecutionNotRunningException;
import org.springframework.batch.core.launch.JobOperator;
import org.springframework.batch.core.listener.JobExecutionListener;
import org.springframework.batch.core.repository.JobRepository;

/**
 * Knows the sync this process is running, so that a shutdown signal can stop it
 * gracefully: {@link #stop()} asks Spring Batch's {@link JobOperator} to stop the
 * execution, and the step ends at its next chunk boundary, after the chunk in progress
 * commits, as STOPPED and restartable. Thread safe.
 */
public class RunningSync implements JobExecutionListener {

	private static final Log logger = LogFactory.getLog(RunningSync.class);

	private final AtomicReference<JobExecution> current = new AtomicReference<>();

	private final JobOperator jobOperator;

	private final JobRepository jobRepository;

	public RunningSync(JobOperator jobOperator, JobRepository jobRepository) {
		this.jobOperator = jobOperator;
		this.jobRepository = jobRepository;
	}

	@Override
	public void beforeJob(JobExecution jobExecution) {
		this.current.set(jobExecution);
	}

	@Override
	public void afterJob(JobExecution jobExecution) {
		this.current.compareAndSet(jobExecution, null);
	}

	/**
	 * Asks the running sync, if any, to stop at its next chunk boundary; returns at once.
	 * @return whether a sync was running and was asked to stop
	 */
	public boolean stop() {
		JobExecution running = this.current.get();
		if (running == null) {
			return false;
		}
		JobExecution stored = this.jobRepository.getJobExecution(running.getId());
		if (stored == null) {
			return false;
		}
		try {
			this.jobOperator.stop(stored);
			logger.warn("Stopping sync " + stored.getId() + " at the end of the page in progress (shutdown signal)");
			return true;
		}
		catch (JobExecutionNotRunningException ex) {
			return false;
		}
	}

}
