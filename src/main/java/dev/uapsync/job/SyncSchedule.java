package dev.uapsync.job;

import java.time.Clock;
import java.time.Duration;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Optional;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.scheduling.support.CronExpression;

/**
 * The long-running mode: syncs at every time of a cron expression until stopped.
 *
 * <p>
 * Each launch carries its slot, the scheduled time in the schedule's zone, as an
 * identifying job parameter ({@link SyncLauncher#syncSlot(String)}): instances that share
 * a database and a schedule sync each slot once; one that fires while another syncs is
 * refused by the sync lock and logs it. Every launch first recovers executions left
 * running by a dead process. A slot missed while no scheduler ran is not made up; the
 * next slot syncs everything anyway.
 *
 * <p>
 * {@link #run()} blocks; {@link #stop()}, from another thread, ends it after the sync in
 * progress, if any, has stopped.
 */
public class SyncSchedule {

	private static final Log logger = LogFactory.getLog(SyncSchedule.class);

	private static final DateTimeFormatter SLOT_FORMAT = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ssXXX");

	private final SyncLauncher launcher;

	private final CronExpression cron;

	private final ZoneId zone;

	private final Clock clock;

	private final Object wakeUp = new Object();

	private volatile boolean stopped;

	private volatile boolean lastSyncStopped;

	public SyncSchedule(SyncLauncher launcher, CronExpression cron, ZoneId zone, Clock clock) {
		this.launcher = launcher;
		this.cron = cron;
		this.zone = zone;
		this.clock = clock;
	}

	/**
	 * Returns the slot of a scheduled time.
	 * @param time the time the schedule fires
	 * @return the slot, e.g. {@code 2026-12-04T02:00:00+08:00}
	 */
	static String slot(ZonedDateTime time) {
		return time.truncatedTo(ChronoUnit.SECONDS).format(SLOT_FORMAT);
	}

	/**
	 * Syncs at every time of the schedule until {@link #stop()} is called.
	 * @return whether the last sync was stopped before its end (by {@link #stop()})
	 */
	public boolean run() {
		logger.info("Schedule started: cron '" + this.cron + "' in " + this.zone);
		while (!this.stopped) {
			ZonedDateTime next = this.cron.next(ZonedDateTime.now(this.clock.withZone(this.zone)));
			if (next == null) {
				logger.warn("The cron expression '" + this.cron + "' has no next time: the schedule ends");
				break;
			}
			logger.info("Next sync at " + next + " (slot " + slot(next) + ")");
			if (!sleepUntil(next)) {
				break;
			}
			syncSlot(slot(next));
		}
		logger.info("Schedule stopped");
		return this.lastSyncStopped;
	}

	private void syncSlot(String slot) {
		try {
			Optional<JobExecution> execution = this.launcher.syncSlot(slot);
			this.lastSyncStopped = execution.map((e) -> e.getStatus() == BatchStatus.STOPPED).orElse(false);
		}
		catch (SyncAlreadyRunningException ex) {
			logger.warn("Slot " + slot + " not synced here: " + ex.getMessage());
		}
		catch (Exception ex) {
			// the sync's own listener has logged a failed sync; this is a failure to
			// launch
			logger.error("Slot " + slot + " could not be synced: " + ex.getMessage(), ex);
		}
	}

	/**
	 * Waits until the time comes or the schedule is stopped.
	 * @return whether the time came
	 */
	private boolean sleepUntil(ZonedDateTime time) {
		synchronized (this.wakeUp) {
			while (!this.stopped) {
				long millis = Duration.between(this.clock.instant(), time.toInstant()).toMillis();
				if (millis <= 0) {
					return true;
				}
				try {
					this.wakeUp.wait(millis);
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
					return false;
				}
			}
			return false;
		}
	}

	/**
	 * Ends {@link #run()}: at once when it waits, after the sync in progress otherwise
	 * (stop that one through {@link RunningSync#stop()}).
	 */
	public void stop() {
		this.stopped = true;
		synchronized (this.wakeUp) {
			this.wakeUp.notifyAll();
		}
	}

}
