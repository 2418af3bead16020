package dev.uapsync.job;

import java.util.function.Supplier;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.ExitStatus;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.listener.JobExecutionListener;

import dev.uapsync.Failures;

/**
 * Logs the start of a sync with its settings, and its closing summary.
 */
class SyncLogListener implements JobExecutionListener {

	private static final Log logger = LogFactory.getLog(SyncLogListener.class);

	private final Supplier<String> settings;

	SyncLogListener(Supplier<String> settings) {
		this.settings = settings;
	}

	@Override
	public void beforeJob(JobExecution jobExecution) {
		logger.info("Sync " + jobExecution.getId() + " started: " + this.settings.get());
	}

	/**
	 * Logs the failure, if any, in one line, and keeps that line as the job's exit
	 * message in {@code BATCH_JOB_EXECUTION}, where {@code status} shows it; the step's
	 * exit message keeps the stack trace.
	 */
	@Override
	public void afterJob(JobExecution jobExecution) {
		String exitCode = jobExecution.getExitStatus().getExitCode();
		if (jobExecution.getStatus() == BatchStatus.STOPPED) {
			logger.warn("Sync " + jobExecution.getId() + " stopped by a shutdown signal; 'restart' resumes it");
			jobExecution.setExitStatus(new ExitStatus(exitCode, "Stopped by a shutdown signal"));
		}
		else {
			jobExecution.getAllFailureExceptions().stream().findFirst().ifPresent((failure) -> {
				String reason = Failures.describe(failure);
				logger.error("Sync " + jobExecution.getId() + " failed: " + reason);
				jobExecution.setExitStatus(new ExitStatus(exitCode, reason));
			});
		}
		logger.info(SyncReport.of(jobExecution).summary());
	}

}
