package dev.uapsync.job;

import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.JobExecutionException;
import org.springframework.batch.core.job.parameters.JobParameters;
import org.springframework.batch.core.job.parameters.JobParametersBuilder;
import org.springframework.batch.core.launch.JobOperator;

/**
 * Starts syncs through Spring Batch's {@link JobOperator}, in the calling thread.
 */
public class SyncLauncher {

	/**
	 * The identifying job parameter of a manual sync: its start time in epoch
	 * milliseconds, so that every manual sync is a new job instance.
	 */
	public static final String RUN_ID = "run.id";

	private final JobOperator jobOperator;

	private final Job job;

	public SyncLauncher(JobOperator jobOperator, Job job) {
		this.jobOperator = jobOperator;
		this.job = job;
	}

	/**
	 * Runs one sync as a new job instance and returns when it has ended.
	 * @return the finished execution
	 * @throws JobExecutionException when Spring Batch refuses to start it
	 */
	public JobExecution sync() throws JobExecutionException {
		JobParameters parameters = new JobParametersBuilder().addLong(RUN_ID, System.currentTimeMillis())
			.toJobParameters();
		return this.jobOperator.start(this.job, parameters);
	}

}
