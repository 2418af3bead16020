package dev.uapsync.job;

import java.util.concurrent.atomic.AtomicReference;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.jspecify.annotations.Nullable;

import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.JobInterruptedException;
import org.springframework.batch.core.listener.ChunkListener;
import org.springframework.batch.core.listener.JobExecutionListener;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.batch.core.step.StepInterruptionPolicy;
import org.springframework.batch.infrastructure.item.Chunk;

import dev.uapsync.store.SyncLock;

/**
 * Knows the sync this process runs, and stops it gracefully on request: {@link #stop()}
 * (from the shutdown hook's thread) only raises a flag; the step's own thread sees it
 * before its next page: between chunks through this {@link StepInterruptionPolicy},
 * inside a chunk through the reader, which then rolls the chunk back; either way the step
 * ends STOPPED, restartable. A retry's wait ends too ({@code PageFetcher}). Nothing but
 * the step thread writes the batch tables. Thread safe.
 */
public class RunningSync implements JobExecutionListener, StepInterruptionPolicy, ChunkListener<Object, Object> {

	private static final Log logger = LogFactory.getLog(RunningSync.class);

	private final AtomicReference<JobExecution> current = new AtomicReference<>();

	private volatile boolean stopRequested;

	private volatile SyncLock.@Nullable Held lock;

	/**
	 * Sets the sync lock this process holds while it syncs, checked before every chunk.
	 * @param lock the held lock, or {@code null} once released
	 */
	void holding(SyncLock.@Nullable Held lock) {
		this.lock = lock;
	}

	/**
	 * Fails the chunk about to start when the sync lock was lost, since another process
	 * could then start a sync beside this one.
	 */
	@Override
	public void beforeChunk(Chunk<Object> chunk) {
		SyncLock.Held held = this.lock;
		if (held != null && !held.isHeld()) {
			throw new IllegalStateException("Lost the sync lock: the database closed the connection that held it "
					+ "(an idle timeout such as MySQL's wait_timeout, a proxy, a restart), so another sync could "
					+ "start beside this one; this one stops here and 'restart' resumes it");
		}
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
	 * Asks the running sync, and any sync started later by this process, to stop before
	 * its next page: at the next chunk boundary, or at a page boundary inside a chunk,
	 * whose uncommitted part then rolls back; returns at once.
	 * @return whether a sync was running
	 */
	public boolean stop() {
		this.stopRequested = true;
		JobExecution running = this.current.get();
		if (running != null) {
			logger.warn("Stopping sync " + running.getId()
					+ " before its next page (shutdown signal); what the chunk in progress has not committed is read again on restart");
		}
		return running != null;
	}

	/**
	 * Tells whether a stop was asked for, so that waits (between retries) end early.
	 * @return whether to stop
	 */
	public boolean isStopRequested() {
		return this.stopRequested;
	}

	@Override
	public void checkInterrupted(StepExecution stepExecution) throws JobInterruptedException {
		if (this.stopRequested) {
			stepExecution.setTerminateOnly();
			throw new JobInterruptedException("Stopped by a shutdown signal");
		}
	}

}
