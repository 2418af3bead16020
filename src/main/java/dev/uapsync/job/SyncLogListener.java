package dev.uapsync.job;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.listener.JobExecutionListener;

import dev.uapsync.Failures;

/**
 * Logs the start of a sync with its settings, and its closing summary.
 */
class SyncLogListener implements JobExecutionListener {

	private static final Log logger = LogFactory.getLog(SyncLogListener.class);

	private final String settings;

	SyncLogListener(String settings) {
		this.settings = settings;
	}

	@Override
	public void beforeJob(JobExecution jobExecution) {
		logger.info("Sync " + jobExecution.getId() + " started: " + this.settings);
	}

	@Override
	public void afterJob(JobExecution jobExecution) {
		jobExecution.getAllFailureExceptions()
			.stream()
			.findFirst()
			.ifPresent((failure) -> logger
				.error("Sync " + jobExecution.getId() + " failed: " + Failures.describe(failure)));
		logger.info(SyncReport.of(jobExecution).summary());
	}

}
