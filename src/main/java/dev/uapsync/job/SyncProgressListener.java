package dev.uapsync.job;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.batch.core.listener.ChunkListener;
import org.springframework.batch.core.listener.StepExecutionListener;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.batch.infrastructure.item.Chunk;

import dev.uapsync.uap.UapUserReader;

/**
 * Logs the sync's progress after a chunk ({@code uap.commit-interval} users) is written:
 * users done of the UAP's total, users per second in this execution, and the time left at
 * that rate. At most one line per chunk, and at most one per
 * {@code uap.progress-interval}.
 */
class SyncProgressListener implements StepExecutionListener, ChunkListener<Object, Object> {

	private static final Log logger = LogFactory.getLog(SyncProgressListener.class);

	private final UapUserReader reader;

	private final Duration interval;

	private final Clock clock;

	private Instant started = Instant.EPOCH;

	private Instant lastLogged = Instant.EPOCH;

	SyncProgressListener(UapUserReader reader, Duration interval, Clock clock) {
		this.reader = reader;
		this.interval = interval;
		this.clock = clock;
	}

	@Override
	public void beforeStep(StepExecution stepExecution) {
		this.started = this.clock.instant();
		this.lastLogged = this.started;
	}

	@Override
	public void afterChunk(Chunk<Object> chunk) {
		Instant now = this.clock.instant();
		if (Duration.between(this.lastLogged, now).compareTo(this.interval) < 0) {
			return;
		}
		this.lastLogged = now;
		logger.info(progress(this.reader.offset() - this.reader.startOffset(), this.reader.offset(),
				this.reader.lastTotal(), Duration.between(this.started, now)));
	}

	static String progress(long doneNow, long done, long total, Duration elapsed) {
		double rate = doneNow / Math.max(elapsed.toMillis() / 1000.0, 0.001);
		StringBuilder line = new StringBuilder("Progress: ").append(done);
		if (total >= 0) {
			line.append(" of ").append(total).append(" users");
			if (total > 0) {
				line.append(" (").append(Math.min(100, done * 100 / total)).append("%)");
			}
		}
		else {
			line.append(" users");
		}
		line.append(", ").append(Math.round(rate)).append(" users/s");
		if (total > done && rate > 0) {
			line.append(", about ").append(Math.round((total - done) / rate)).append(" s left");
		}
		return line.toString();
	}

}
